-- plugin-page-warn-error: a page hook (on the worker pool, one Lua state per worker) that
-- warns on some pages and fails on others; the diagnostics must be those of pages run one
-- after another (up to the first failure), whatever -j, and each result lands on its page
local M = {}

function M.page(page, site)
    local n = tonumber(page.title:match("%d+"))
    if n and n % 5 == 0 then clinfolio.warn("page " .. n .. " is a multiple of five") end
    if n and n % 7 == 0 then error("page " .. n .. " is a multiple of seven") end
    return {mark = page.title .. " #" .. (n or 0) .. " r" .. math.random(1000)}
end

return M
