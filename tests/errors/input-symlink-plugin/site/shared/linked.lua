local M = {}

return M
