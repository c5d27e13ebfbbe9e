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

-- whether clinfolio.median(list) is reference(list), of the same type unless any_type
-- (table.sort puts equal integers and floats in any order), the list left as it was; else
-- warns of it, naming the list
local function agrees(list, any_type, name)
  local before = table.concat(list, ",")
  local got, want = clinfolio.median(list), reference(list)
  if got == want and (any_type or math.type(got) == math.type(want)) and
      table.concat(list, ",") == before then
    return true
  end
  clinfolio.warn(string.format("%s differs: %s against %s", name, show(got), show(want)))
  return false
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
    tried = tried + 1
    if agrees(list, kind == 2, table.concat(list, ",")) then agree = agree + 1 end
  end
  clinfolio.warn(string.format("%d of %d random lists agree, each left as it was", agree, tried))
  -- long lists, past the short ones sorted whole: many equal numbers, in order, in reverse
  -- order, all equal, rising then falling, floats, integers and floats of equal values
  agree, tried = 0, 0
  for round = 1, 140 do
    local list, n, pattern = {}, math.random(17, 3000), round % 7
    for i = 1, n do
      local v
      if pattern == 0 then v = math.random(-20, 20)
      elseif pattern == 1 then v = i
      elseif pattern == 2 then v = n - i
      elseif pattern == 3 then v = 7
      elseif pattern == 4 then v = i <= n // 2 and i or n - i
      elseif pattern == 5 then v = math.random(-100000, 100000) / 8
      else v = math.random(-30, 30); if math.random(2) == 1 then v = v + 0.0 end end
      list[i] = v
    end
    tried = tried + 1
    if agrees(list, pattern == 6, string.format("long list %d (%d items)", round, n)) then agree = agree + 1 end
  end
  clinfolio.warn(string.format("%d of %d long lists agree, each left as it was", agree, tried))
  for _, bad in ipairs({{1, "2", 3}, {1, 0 / 0}, {1, nil, 3}, {true}, "1, 2"}) do
    local ok, err = pcall(clinfolio.median, bad)
    clinfolio.warn(tostring(ok) .. " " .. tostring(err))
  end
  return {}
end

return M
