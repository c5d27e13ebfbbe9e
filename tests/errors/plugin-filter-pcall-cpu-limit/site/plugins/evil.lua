-- plugin-filter-pcall-cpu-limit: a filter (on a render thread) cannot catch the CPU limit
local M = {}

M.filters = {
    spin = function(title)
        while true do
            pcall(function() while true do end end)
        end
    end,
}

return M
