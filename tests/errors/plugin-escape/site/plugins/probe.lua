-- plugin-escape: clinfolio.escape gives HTML-safe text: & < > " ' as references, any other
-- text as it is (the string itself when nothing needs escaping), numbers and other values
-- as tostring() writes them.
local M = {}

function M.site_loaded(site)
  for _, s in ipairs({"plain", "", "a & b", "<b>", "\"q\" 'a'", "a>b&c<d", "中文 & 文字", 42, 2.5, true}) do
    clinfolio.warn(tostring(s) .. " -> [" .. clinfolio.escape(s) .. "]")
  end
  clinfolio.warn(clinfolio.escape("a\0<b"):gsub("%z", "\\0") .. "")
  local long = string.rep("text with nothing to escape ", 40)
  clinfolio.warn(tostring(clinfolio.escape(long) == long) .. " " .. #clinfolio.escape(long .. "&"))
end

return M
