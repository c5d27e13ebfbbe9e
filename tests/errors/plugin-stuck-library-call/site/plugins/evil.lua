-- plugin-stuck-library-call: one string.find that backtracks for minutes never returns to the VM
local M = {}

function M.site_loaded(site)
    string.find(string.rep("a", 30000), ".-.-.-.-.-b")
end

return M
