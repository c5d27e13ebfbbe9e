local M = {}

function M.page(page, site)
    if page.title == "Beta" then
        error("no stages on " .. page.title)
    end
end

return M
