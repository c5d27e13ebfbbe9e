-- plugin-string-format-memory: string.format doubles a string until the heap is full;
-- caught by pcall or not, that is the memory limit
local M = {}

function M.site_loaded(site)
    local s = "x"
    while true do
        local ok, doubled = pcall(string.format, "%s%s", s, s)
        if ok then s = doubled end
    end
end

return M
