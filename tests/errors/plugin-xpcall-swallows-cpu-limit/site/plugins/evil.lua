-- plugin-xpcall-swallows-cpu-limit: neither xpcall nor its message handler (which would
-- loop too) can catch the CPU limit
local M = {}

function M.site_loaded(site)
    local n = 0
    while true do
        xpcall(function() while true do n = n + 1 end end, function(e) while true do end end)
    end
end

return M
