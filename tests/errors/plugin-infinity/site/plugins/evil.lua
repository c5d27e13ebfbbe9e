-- plugin-infinity: neither is an infinity (both used to become null without a word)
local M = {}

function M.page(page, site)
    if page.title == "Beta" then
        return {scores = {1, -math.huge}}
    end
end

return M
