-- plugin-filter-warn-error: a filter on the render threads (one Lua state each) that warns
-- on some pages and fails on others; the diagnostics must not depend on -j
local M = {}

M.filters = {
    stamp = function(title)
        local n = tonumber(title:match("%d+"))
        if n and n % 5 == 0 then clinfolio.warn("page " .. n .. " is a multiple of five") end
        if n and n % 7 == 0 then error("page " .. n .. " is a multiple of seven") end
        return title .. " #" .. (n or 0)
    end,
}

return M
