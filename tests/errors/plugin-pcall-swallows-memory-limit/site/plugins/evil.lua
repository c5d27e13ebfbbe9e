-- plugin-pcall-swallows-memory-limit: string.rep asks for 1 GiB; the refusal is the memory
-- limit, which pcall must not catch
local M = {}

function M.site_loaded(site)
    while true do
        pcall(string.rep, "x", 1 << 30)
    end
end

return M
