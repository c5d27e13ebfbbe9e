-- plugin-debug-sethook
local M = {}

function M.site_loaded(site)
    debug.sethook()
end

return M
