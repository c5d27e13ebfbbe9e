-- report_citations.lua: how to cite a report (section `reports`), in every language it is
-- published in.
--
--   page.data.citation  {html, style, bib_url, ris_url}: the formatted reference of the
--                       page in its language (GB/T 7714 on a Chinese page, Vancouver
--                       otherwise) as HTML, and the URLs of the two files below
--   <page dir>/cite.bib  BibTeX @techreport, one per language version of a report
--   <page dir>/cite.ris  RIS (TY  - RPRT ... ER  - ), likewise
--
-- Authors are written family name first (as on the project pages: "Qiao Jianmin"), or
-- "Family, Given" when the family name has several words; a name in CJK script is one
-- piece. The institution is site.params.institution (institution_zh in Chinese), else
-- site.author. `generate` sees each report once, in the default language (the plugin
-- API), so a version in another language takes its title and keywords from the
-- original's title_<lang> and keywords_<lang> (title_en, keywords_zh), else the
-- original's own; `page` warns when a translation's title differs from that key.

local M = {}

local function is_zh(lang)
  return type(lang) == "string" and (lang == "zh" or string.sub(lang, 1, 3) == "zh-")
end

-- the key suffix of a language: title_en, title_zh (zh-Hant too)
local function short(lang)
  return (string.match(lang or "", "^(%a+)") or ""):lower()
end

local function text(v)
  if v == nil then return "" end
  return (string.gsub(tostring(v), "%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

local function list(v)
  local out = {}
  if type(v) == "table" then
    for _, x in ipairs(v) do
      local t = text(x)
      if t ~= "" then out[#out + 1] = t end
    end
  elseif v ~= nil and text(v) ~= "" then
    out[1] = text(v)
  end
  return out
end

-- {family, given, cjk} of an author (a name or {name, ...})
local function person(a)
  local name = text(type(a) == "table" and a.name or a)
  local fam, giv = string.match(name, "^([^,]+),%s*(.*)$")
  if fam then return {family = text(fam), given = text(giv), name = name} end
  if not string.find(name, " ") then
    return {family = name, given = "", name = name, cjk = string.find(name, "[\128-\255]") ~= nil}
  end
  fam, giv = string.match(name, "^(%S+)%s+(.*)$")
  return {family = fam, given = giv, name = name}
end

local function authors(page)
  local out = {}
  if type(page.authors) == "table" then
    for _, a in ipairs(page.authors) do out[#out + 1] = person(a) end
  end
  if #out == 0 and page.author then out[1] = person(page.author) end
  return out
end

local function institution(site, lang)
  local p = type(site.params) == "table" and site.params or {}
  if is_zh(lang) and p.institution_zh then return text(p.institution_zh) end
  if p.institution then return text(p.institution) end
  return text(site.author)
end

-- the keywords of the report in language lang (keywords_en, else keywords, else tags)
local function keywords_in(page, lang)
  return list(page["keywords_" .. short(lang)] or page.keywords or page.tags)
end

-- the title of the original page in language lang: its own, else title_<lang>
local function title_in(page, lang)
  if lang == page.lang then return text(page.title) end
  return text(page["title_" .. short(lang)] or page.title)
end

local MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
local MONTH_NAMES = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

local function ymd(d)
  if not d then return nil end
  local y, m, dd = string.match(tostring(d), "^(%d%d%d%d)-(%d%d)-(%d%d)")
  if not y then return nil end
  return {y = y, m = tonumber(m), d = tonumber(dd), iso = y .. "-" .. m .. "-" .. dd, ris = y .. "/" .. m .. "/" .. dd .. "/"}
end

local function doi_of(page)
  local d = page.doi and text(page.doi)
  if not d or d == "" then return nil end
  return (string.gsub(d, "^https?://doi%.org/", ""):gsub("^doi:%s*", ""))
end

---------------------------------------------------------------------------------------
-- The formatted references (HTML, escaped here)

local esc = clinfolio.escape

local function initials(given)
  local out = {}
  for part in string.gmatch(given, "[^%s%-%.]+") do
    out[#out + 1] = utf8.char(utf8.codepoint(part, 1)):upper()
  end
  return table.concat(out)
end

-- GB/T 7714-2015: at most 3 authors then 等 (et al in a Latin reference); pinyin and other
-- Latin family names in capitals, given names in full; [R/OL] for an online report
local function gbt7714(c)
  local names = {}
  for i, a in ipairs(c.authors) do
    if i > 3 then break end
    if a.cjk or a.given == "" then names[#names + 1] = a.family
    else names[#names + 1] = a.family:upper() .. " " .. a.given end
  end
  local s = ""
  if #names > 0 then
    s = esc(table.concat(names, ", ")) .. (#c.authors > 3 and (is_zh(c.lang) and ", 等" or ", et al") or "") .. ". "
  end
  s = s .. "<cite>" .. esc(c.title) .. "</cite>[R/OL]. "
  if c.institution ~= "" then s = s .. esc(c.institution) .. ", " end
  if c.date then
    s = s .. c.date.y
    if c.updated then s = s .. "(" .. c.updated.iso .. ")" end
    s = s .. ". "
  end
  s = s .. '<a class="cite__url" href="' .. esc(c.url) .. '">' .. esc(c.url) .. "</a>."
  if c.doi then s = s .. " DOI:" .. esc(c.doi) .. "." end
  return s
end

-- Vancouver (ICMJE / NLM Citing Medicine): at most 6 authors then et al., family name and
-- initials; [Internet] report with its dates and "Available from:"
local function vancouver(c)
  local names = {}
  for i, a in ipairs(c.authors) do
    if i > 6 then break end
    names[#names + 1] = a.given == "" and a.family or (a.family .. " " .. initials(a.given))
  end
  local s = ""
  if #names > 0 then
    s = esc(table.concat(names, ", ")) .. (#c.authors > 6 and ", et al" or "") .. ". "
  end
  s = s .. "<cite>" .. esc(c.title) .. "</cite> [Internet]. "
  if c.institution ~= "" then s = s .. esc(c.institution) .. (c.date and "; " or ". ") end
  if c.date then
    s = s .. c.date.y .. " " .. MONTH_NAMES[c.date.m] .. " " .. c.date.d
    if c.updated then
      s = s .. " [updated " .. c.updated.y .. " " .. MONTH_NAMES[c.updated.m] .. " " .. c.updated.d .. "]"
    end
    s = s .. ". "
  end
  s = s .. 'Available from: <a class="cite__url" href="' .. esc(c.url) .. '">' .. esc(c.url) .. "</a>"
  if c.doi then s = s .. " doi:" .. esc(c.doi) end
  return s
end

---------------------------------------------------------------------------------------
-- The files

-- BibTeX text in braces: the characters TeX reads specially escaped, white space folded
local BIB_ESC = {
  ["\\"] = "\\textbackslash{}", ["{"] = "\\{", ["}"] = "\\}", ["&"] = "\\&", ["%"] = "\\%",
  ["$"] = "\\$", ["#"] = "\\#", ["_"] = "\\_", ["~"] = "\\textasciitilde{}",
  ["^"] = "\\textasciicircum{}",
}
local function bib(s)
  return (string.gsub(text(s), "[\\{}&%%$#_~^]", BIB_ESC))
end

-- a title: escaped, and every word with a capital letter in braces so that a style that
-- lowers the case of titles keeps it ({Training} clinicians ... {NMPA})
local function bib_title(s)
  return (string.gsub(bib(s), "%S+", function(w)
    if string.find(w, "%u") then
      -- a word holding an escape keeps it whole: {\&} stays balanced
      return "{" .. w .. "}"
    end
  end))
end

-- URLs and DOIs are verbatim fields: only braces and backslashes could break the entry
local function bib_verbatim(s)
  return (string.gsub(text(s), "[{}\\%s]", function(ch)
    return string.format("%%%02X", string.byte(ch))
  end))
end

local LANG_NAMES = {zh = "chinese", en = "english", fr = "french", de = "german", ja = "japanese", es = "spanish"}

local function bib_key(c, slug)
  local fam = c.authors[1] and c.authors[1].family or ""
  local k = string.lower(string.gsub(fam, "[^%w]", ""))
  if k == "" then k = "report" end
  local word = string.match(slug or "", "(%a[%w]*)") or ""
  return k .. (c.date and c.date.y or "") .. string.lower(word) .. (c.suffix or "")
end

local function bibtex(c, slug)
  local fields = {}
  local function add(name, value) fields[#fields + 1] = "  " .. name .. " = " .. value end
  local names = {}
  for _, a in ipairs(c.authors) do
    if a.cjk or a.given == "" then names[#names + 1] = "{" .. bib(a.family) .. "}"
    else names[#names + 1] = bib(a.family) .. ", " .. bib(a.given) end
  end
  if #names > 0 then add("author", "{" .. table.concat(names, " and ") .. "}") end
  add("title", "{" .. bib_title(c.title) .. "}")
  if c.institution ~= "" then add("institution", "{" .. bib(c.institution) .. "}") end
  if c.date then
    add("year", "{" .. c.date.y .. "}")
    add("month", MONTHS[c.date.m])
  end
  add("url", "{" .. bib_verbatim(c.url) .. "}")
  if c.doi then add("doi", "{" .. bib_verbatim(c.doi) .. "}") end
  if #c.keywords > 0 then
    local kw = {}
    for i, k in ipairs(c.keywords) do kw[i] = bib(k) end
    add("keywords", "{" .. table.concat(kw, ", ") .. "}")
  end
  add("language", "{" .. (LANG_NAMES[short(c.lang)] or bib(c.lang)) .. "}")
  return "@techreport{" .. bib_key(c, slug) .. ",\n" .. table.concat(fields, ",\n") .. "\n}\n"
end

-- RIS: one "TG  - value" line each, CRLF; a value is one line (white space folded)
local function ris(c)
  local lines = {"TY  - RPRT"}
  local function add(tag, value) lines[#lines + 1] = tag .. "  - " .. text(value) end
  for _, a in ipairs(c.authors) do
    add("AU", (a.cjk or a.given == "") and a.family or (a.family .. ", " .. a.given))
  end
  add("TI", c.title)
  if c.date then
    add("PY", c.date.y)
    add("DA", c.date.ris)
  end
  if c.institution ~= "" then add("PB", c.institution) end
  add("UR", c.url)
  if c.doi then add("DO", c.doi) end
  for _, k in ipairs(c.keywords) do add("KW", k) end
  add("LA", c.lang)
  lines[#lines + 1] = "ER  - "
  return table.concat(lines, "\r\n") .. "\r\n"
end

---------------------------------------------------------------------------------------
-- Hooks

local function citation(page, site, lang, url, title, keywords)
  return {
    lang = lang, url = url, title = title, keywords = keywords,
    authors = authors(page), institution = institution(site, lang),
    date = ymd(page.date), updated = ymd(page.updated), doi = doi_of(page),
  }
end

-- the base path of the site's URLs ("/" or "/sub/")
local function base_path(site)
  return string.match(tostring(site.base_url or ""), "^%a[%w+.-]*://[^/]+(/.*)$") or "/"
end

local function permalink(site, url)
  local base = tostring(site.base_url or "")
  local bp = base_path(site)
  if string.sub(url, 1, #bp) == bp then return base .. string.sub(url, #bp + 1) end
  return url
end

function M.page(page, site)
  if page.section ~= "reports" then return nil end
  local lang = page.lang or site.language or "en"
  if page.lang and page.lang ~= (site.languages and site.languages[1] and site.languages[1].code or page.lang) then
    local key = "title_" .. short(lang)
    if page[key] and text(page[key]) ~= text(page.title) then
      clinfolio.warn("report '" .. tostring(page.path) .. "': the " .. lang .. " title differs from " ..
        key .. " ('" .. text(page[key]) .. "'), which cite.bib and cite.ris use")
    end
  end
  local c = citation(page, site, lang, page.permalink or permalink(site, page.url), text(page.title),
    keywords_in(page, lang))
  local zh = is_zh(lang)
  return {citation = {
    html = zh and gbt7714(c) or vancouver(c),
    style = zh and "GB/T 7714" or "Vancouver",
    bib_url = page.url .. "cite.bib",
    ris_url = page.url .. "cite.ris",
  }}
end

local function decode(s)
  return (string.gsub(s, "%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

function M.generate(site)
  local out = {}
  local bp = base_path(site)
  for _, page in ipairs(site.pages) do
    if page.section == "reports" then
      local versions = {}
      local tr = type(page.translations) == "table" and page.translations or {}
      for _, t in ipairs(tr) do
        if not t.missing then versions[#versions + 1] = {lang = t.lang, url = t.url, permalink = t.permalink} end
      end
      if #versions == 0 then
        versions[1] = {lang = page.lang or site.language or "en", url = page.url, permalink = page.permalink}
      end
      for _, v in ipairs(versions) do
        local c = citation(page, site, v.lang, v.permalink or permalink(site, v.url), title_in(page, v.lang),
          keywords_in(page, v.lang))
        if v.lang ~= page.lang and #versions > 1 then c.suffix = short(v.lang) end
        local dir = v.url
        if string.sub(dir, 1, #bp) == bp then dir = string.sub(dir, #bp + 1) end
        dir = decode(dir)
        out[#out + 1] = {path = dir .. "cite.bib", content = bibtex(c, page.slug)}
        out[#out + 1] = {path = dir .. "cite.ris", content = ris(c)}
      end
    end
  end
  return out
end

return M
