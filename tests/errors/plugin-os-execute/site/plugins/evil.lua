-- plugin-os-execute
local M = {}

function M.site_loaded(site)
    os.execute("touch /tmp/pwned")
end

return M
