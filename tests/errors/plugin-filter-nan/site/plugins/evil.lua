-- plugin-filter-nan: a filter's result follows the rules of data
local M = {}

M.filters = {
    ratio = function(title) return {value = #title / 0 - #title / 0} end,
}

return M
