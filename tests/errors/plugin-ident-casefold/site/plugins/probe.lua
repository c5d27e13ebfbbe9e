-- plugin-ident-casefold: clinfolio.casefold (Unicode simple case folding in C.UTF-8, never
-- setlocale) and clinfolio.ident (the identifiers of ident.h), each result warned as text.
local M = {}

local function show(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. tostring(t[k]) end
  return "{" .. table.concat(out, ", ") .. "}"
end

function M.site_loaded(site)
  for _, s in ipairs({"Müller", "MÜLLER", "Élodie", "élodie", "ΣΟΦΊΑ", "σοφίας", "ЖУКОВ",
                      "Straße", "İstanbul", "ǅ", "ＡＢＣ", "Zhou Jiaxin", "周佳欣"}) do
    clinfolio.warn(s .. " -> " .. clinfolio.casefold(s))
  end
  clinfolio.warn(tostring(clinfolio.casefold("Müller") == clinfolio.casefold("MÜLLER")))
  -- bytes that are not UTF-8 are kept as they are
  clinfolio.warn(table.concat({string.byte(clinfolio.casefold("OK\xff\xc3("), 1, -1)}, " "))
  local cases = {
    {"patent", "CN202320158462.0"}, {"patent", " ZL 2023 2 0158462.9 "}, {"patent", "CN116123456A"},
    {"patent", "bogus"}, {"patent", 202320158462.0}, {"nmpa", "国械注准20233140123"},
    {"nmpa", "沪械备20230012号"}, {"trial", "NCT01234567"}, {"trial", "ChiCTR2300071234"},
  }
  for _, c in ipairs(cases) do
    clinfolio.warn(c[1] .. " " .. tostring(c[2]) .. ": " .. show(clinfolio.ident(c[1], c[2])))
  end
  local ok, err = pcall(clinfolio.ident, "doi", "10.1000/1")
  clinfolio.warn(tostring(ok) .. " " .. tostring(err))
  return {}
end

return M
