-- plugin-error-table-value: error() with a table is reported at its line, not as "table"
local M = {}

function M.site_loaded(site)
    error({code = 42})
end

return M
