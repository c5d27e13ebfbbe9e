-- plugin-generate-metamethod: the host reads what a hook returns without metamethods, so
-- no plugin code runs outside a limited call (this __index used to run unprotected, and
-- its CPU limit error aborted clinfolio)
local M = {}

function M.generate(site)
    return {setmetatable({}, {__index = function(t, k) while true do end end})}
end

return M
