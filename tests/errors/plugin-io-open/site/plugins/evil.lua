-- plugin-io-open
local M = {}

function M.site_loaded(site)
    return {x = io.open("/etc/passwd"):read("a")}
end

return M
