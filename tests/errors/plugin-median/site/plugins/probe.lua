-- plugin-median: clinfolio.median against a median through table.sort (the middle item, or
-- Lua's (a + b) / 2 of the middle two) on lists of integers, floats and both, and its
-- errors: each result warned as text.
local M = {}

local function reference(list)
  local s = {}
  for i, v in ipairs(list) do s[i] = v end
  table.sort(s)
  local n = #s
  if n == 0 then return nil end
  if n % 2 == 1 then return s[(n + 1) // 2] end
  return (s[n // 2] + s[n // 2 + 1]) / 2
end

local function show(v)
  return string.format("%s %s", math.type(v) or type(v), tostring(v))
end

function M.site_loaded(site)
  local cases = {
    {}, {7}, {3, 1, 2}, {4, 1, 3, 2}, {2, 2, 2, 1}, {-5, 10}, {1, 2}, {0.5, 0.25, 1},
    {1.5, 2, 3}, {3, 3.0}, {10, 2.5, 2, 7.25}, {math.maxinteger, math.maxinteger - 1, 0},
    {math.maxinteger, math.mininteger}, {2 ^ 63, math.maxinteger, 1}, {1 / 0, -1 / 0, 5},
    {9007199254740993, 9007199254740992.0, 9007199254740994},
  }
  for _, list in ipairs(cases) do
    local got = clinfolio.median(list)
    clinfolio.warn(string.format("%d items: %s", #list, got == nil and "nil" or show(got)))
  end
  -- random lists, odd and even, of integers, of floats and of both: the same as table.sort's
  math.randomseed(20261205)
  local agree, tried = 0, 0
  for round = 1, 400 do
    local list, kind = {}, round % 3
    for i = 1, math.random(1, 60) do
      local v = math.random(-1000, 1000)
      if kind == 1 or (kind == 2 and math.random(2) == 1) then v = v / 8 end
      list[i] = v
    end
    local before = table.concat(list, ",")
    local got, want = clinfolio.median(list), reference(list)
    tried = tried + 1
    if got == want and (kind == 2 or math.type(got) == math.type(want)) and
        table.concat(list, ",") == before then
      agree = agree + 1
    else
      clinfolio.warn("differs: " .. before .. " -> " .. show(got) .. " against " .. show(want))
    end
  end
  clinfolio.warn(string.format("%d of %d random lists agree, each left as it was", agree, tried))
  for _, bad in ipairs({{1, "2", 3}, {1, 0 / 0}, {1, nil, 3}, {true}, "1, 2"}) do
    local ok, err = pcall(clinfolio.median, bad)
    clinfolio.warn(tostring(ok) .. " " .. tostring(err))
  end
  return {}
end

return M
