local M = {}

-- a page_facts hook with no site_loaded to read what it returns: a warning, and a build
function M.page_facts(page, site)
    return {title = page.title}
end

return M
