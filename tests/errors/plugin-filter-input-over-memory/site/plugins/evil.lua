-- plugin-filter-input-over-memory: a filter's input and arguments are copied into its Lua
-- state before the call; more than the heap may hold is the memory limit (it used to be
-- an allocation failure outside any protected call, and clinfolio aborted)
local M = {}

function M.site_loaded(site)
    return {a = string.rep("a", 1400000)}
end

function M.page(page, site)
    return {b = string.rep("b", 1400000)}
end

M.filters = {
    size = function(input, args) return #input + #args.b + #args.c end,
}

return M
