-- plugin-endless-loop-seconds: with no instruction limit set, no count hook runs; the
-- watchdog arms it when the call passes plugin_limits.seconds, and the call ends at the
-- line it was running (not the watchdog's "inside a library call" after twice the limit)
local M = {}

function M.site_loaded(site)
    local n = 0
    while true do n = n + 1 end
end

return M
