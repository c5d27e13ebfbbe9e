local M = {}

-- site_loaded's facts are there while it runs: kept for later, they cannot be read
local kept

function M.page_facts(page, site)
    return {title = page.title}
end

function M.site_loaded(site, facts)
    kept = facts
    local n = 0
    for _ in pairs(facts) do n = n + 1 end
    return {pages_with_facts = n}
end

function M.generate(site)
    return {{path = "titles.txt", content = kept["content/projects/alpha.md"].title}}
end

return M
