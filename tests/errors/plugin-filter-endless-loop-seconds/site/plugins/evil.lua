-- plugin-filter-endless-loop-seconds: a filter (on a render thread) with no instruction limit
-- set: the watchdog arms its hook past plugin_limits.seconds; pcall cannot catch it
local M = {}

M.filters = {
    spin = function(title)
        while true do
            pcall(function() while true do end end)
        end
    end,
}

return M
