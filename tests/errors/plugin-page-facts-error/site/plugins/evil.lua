local M = {}

-- a page_facts hook that fails on one page: the build fails there, as for a page hook
function M.page_facts(page, site)
    if page.title == "Beta" then
        error("no facts on " .. page.title)
    end
    return {title = page.title}
end

function M.site_loaded(site, facts)
    return {seen = facts}
end

return M
