--[[
quarto-compat.lua: the Quarto features the brief uses, for the pandoc + Typst fallback.

The brief is written once, in the Quarto subset listed in docs/architecture.md. When no
`quarto` executable is available, analysis/common/render.py renders the same sources with pandoc and
this filter; it implements only what needs the document tree:

  * conditional content: divs and spans classed .content-visible / .content-hidden with
    when-meta / unless-meta (a condition holds only for a YAML boolean `true`, as in Quarto)
    and when-format / unless-format ("html" for the HTML, "typst" for the PDF);
  * figures {#fig-...} and tables {#tbl-...} numbered in document order, captions
    "Figure N: ..." / "Table N: ..." in both outputs (Typst's own numbering is switched off
    in brief.typ, so both outputs number by the same counter);
  * cross-references @fig-x / @tbl-x -> "Figure N" / "Table N", linked to the target
    ([-@fig-x] gives the bare number, as in Quarto);
  * callouts .callout-note / -warning / -important / -tip / -caution, titled by a first
    header, a title="..." attribute, or by their kind;
  * fig-alt="..." -> the image's alt text; in the PDF, images get absolute paths (the Typst
    source is compiled outside reports/).

The {{< meta >}} and {{< include >}} shortcodes are plain text substitutions, done by
analysis/common/render.py before pandoc parses the document (Quarto, too, splices includes in as text).

Where Quarto would warn and print "?@fig-x", this filter stops the render with a message: a
brief must not ship with a broken reference or a misspelt condition.
]]

local HTML = FORMAT:match("^html") ~= nil
local TYPST = FORMAT == "typst"

local CALLOUT_KINDS = {
  note = "Note", tip = "Tip", warning = "Warning", important = "Important", caution = "Caution",
}
local CROSSREF_KINDS = { fig = "Figure", tbl = "Table" }

local function fail(message)
  error("quarto-compat.lua: " .. message, 0)
end

-- Conditional content ----------------------------------------------------------------------

local function meta_value(meta, key)
  local value = meta
  for part in key:gmatch("[^.]+") do
    if type(value) ~= "table" then
      return nil
    end
    value = value[part]
  end
  return value
end

local function meta_condition(meta, key)
  local value = meta_value(meta, key)
  if value == nil then
    fail('when-meta/unless-meta names "' .. key .. '", which is not in the metadata '
      .. "(results/brief/meta.yml or the front matter); check the spelling")
  end
  if type(value) ~= "boolean" then
    fail('when-meta/unless-meta "' .. key .. '" is ' .. pandoc.utils.stringify(value)
      .. ", not true/false: Quarto treats anything but a YAML boolean as false")
  end
  return value
end

local function format_condition(name)
  if name == "html" or name == "html:js" then
    return HTML
  elseif name == "typst" then
    return TYPST
  elseif name == "pdf" or name == "latex" then
    fail('when-format/unless-format "' .. name .. '" never matches here: Quarto\'s "pdf" means '
      .. 'LaTeX, and the brief\'s PDF is made by Typst; write "typst" instead')
  end
  return FORMAT == name
end

-- visible(el, meta): nil if el is not conditional, else whether it is shown
local function visible(el, meta)
  local shown
  if el.classes:includes("content-visible") then
    shown = true
  elseif el.classes:includes("content-hidden") then
    shown = false
  else
    return nil
  end
  local match = true
  for key, value in pairs(el.attributes) do
    if key == "when-meta" then
      match = match and meta_condition(meta, value)
    elseif key == "unless-meta" then
      match = match and not meta_condition(meta, value)
    elseif key == "when-format" then
      match = match and format_condition(value)
    elseif key == "unless-format" then
      match = match and not format_condition(value)
    elseif key:match("^when%-") or key:match("^unless%-") then
      fail('conditional attribute "' .. key .. '" is not supported by the fallback renderer')
    end
  end
  return match == shown
end

local function strip_conditions(el)
  el.classes = el.classes:filter(function(c)
    return c ~= "content-visible" and c ~= "content-hidden"
  end)
  for _, key in ipairs({ "when-meta", "unless-meta", "when-format", "unless-format" }) do
    el.attributes[key] = nil
  end
  return el
end

local function conditional_filter(meta)
  return {
    traverse = "topdown",
    Div = function(div)
      local shown = visible(div, meta)
      if shown == nil then
        return nil
      elseif shown then
        return strip_conditions(div).content
      end
      return {}, false
    end,
    Span = function(span)
      local shown = visible(span, meta)
      if shown == nil then
        return nil
      elseif shown then
        return strip_conditions(span)
      end
      return {}, false
    end,
  }
end

-- Numbering of figures and tables ----------------------------------------------------------

local function number_targets(doc)
  local targets, counts = {}, { fig = 0, tbl = 0 }
  local function register(el, expected)
    local prefix = el.identifier:match("^(%a+)%-")
    if prefix == nil or CROSSREF_KINDS[prefix] == nil then
      return
    end
    if prefix ~= expected then
      fail('"#' .. el.identifier .. '" labels a ' .. (expected == "fig" and "figure" or "table")
        .. '; figure labels start with "fig-", table labels with "tbl-"')
    end
    if targets[el.identifier] then
      fail('the label "#' .. el.identifier .. '" is used twice')
    end
    counts[prefix] = counts[prefix] + 1
    targets[el.identifier] = { kind = CROSSREF_KINDS[prefix], number = counts[prefix] }
  end
  doc:walk({
    traverse = "topdown",
    Figure = function(fig) register(fig, "fig") end,
    Table = function(tbl) register(tbl, "tbl") end,
  })
  return targets
end

local function label_caption(caption, target)
  local name = pandoc.Inlines({ pandoc.Str(target.kind), pandoc.Space() })
  local long = caption.long
  if #long == 0 then
    caption.long = pandoc.Blocks({ pandoc.Plain(name .. pandoc.Inlines({ pandoc.Str(tostring(target.number)) })) })
    return caption
  end
  local label = name .. pandoc.Inlines({ pandoc.Str(target.number .. ":") })
  if long[1].content ~= nil and (long[1].t == "Plain" or long[1].t == "Para") then
    long[1].content = label .. pandoc.Inlines({ pandoc.Space() }) .. long[1].content
  else
    long:insert(1, pandoc.Plain(label))
  end
  return caption
end

-- Typst ---------------------------------------------------------------------------------------

local function typst_string(text)
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " ") .. '"'
end

local function typst_inlines(inlines)
  local out = pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), "typst")
  return (out:gsub("%s+$", ""))
end

local function absolute(path)
  if path:match("^%a[%w+.-]*:") or pandoc.path.is_absolute(path) then
    return path
  end
  return pandoc.path.normalize(pandoc.path.join({ pandoc.system.get_working_directory(), path }))
end

-- the image of a figure as raw Typst: absolute path, alt text, at most the text width
local function typst_image(img, alt)
  local args = { typst_string(absolute(img.src)) }
  if alt ~= nil then
    table.insert(args, "alt: " .. typst_string(alt))
  end
  local width = img.attributes.width
  if width ~= nil and width:match("^[%d.]+%%$") then
    table.insert(args, "width: " .. width)
  else
    table.insert(args, "width: 100%")
  end
  return pandoc.RawInline("typst", "#image(" .. table.concat(args, ", ") .. ")")
end

-- Figures, tables, references ------------------------------------------------------------------

local function figure_filter(targets)
  return {
    Figure = function(fig)
      local target = targets[fig.identifier] -- none: an unlabelled figure stays unnumbered
      if target ~= nil then
        label_caption(fig.caption, target)
      end
      fig.content = fig.content:walk({
        Image = function(img)
          local alt = img.attributes["fig-alt"]
          img.attributes["fig-alt"] = nil
          if TYPST then
            return typst_image(img, alt or pandoc.utils.stringify(img.caption))
          end
          if alt ~= nil then
            img.caption = pandoc.Inlines({ pandoc.Str(alt) })
          end
          return img
        end,
      })
      return fig
    end,
    Table = function(tbl)
      local target = targets[tbl.identifier]
      if target ~= nil then
        label_caption(tbl.caption, target)
      end
      if HTML then
        return pandoc.Div({ tbl }, { class = "brief-table-scroll" })
      end
      -- Typst cannot style header cells apart from body cells, so embolden them here
      local embolden = {
        Plain = function(plain) return pandoc.Plain({ pandoc.Strong(plain.content) }) end,
      }
      for _, row in ipairs(tbl.head.rows) do
        for _, cell in ipairs(row.cells) do
          cell.contents = cell.contents:walk(embolden)
        end
      end
      return tbl
    end,
    Image = function(img)
      -- images outside figures (rare in a brief) still need a path Typst can reach
      if TYPST then
        img.src = absolute(img.src)
        return img
      end
    end,
  }
end

local function reference_filter(targets)
  return {
    Cite = function(cite)
      local parts = pandoc.Inlines({})
      for i, citation in ipairs(cite.citations) do
        local id = citation.id
        local prefix = id:match("^(%a+)%-")
        if prefix == nil or CROSSREF_KINDS[prefix:lower()] == nil then
          return nil -- not a cross-reference: leave it to pandoc
        end
        local key = prefix:lower() .. id:sub(#prefix + 1)
        local target = targets[key]
        if target == nil then
          fail('"@' .. id .. '" refers to no figure or table (is it inside content that is '
            .. "hidden, or is the label misspelt?)")
        end
        local text = citation.mode == "SuppressAuthor" and tostring(target.number)
          or target.kind .. "\u{a0}" .. target.number
        if i > 1 then
          parts:extend({ pandoc.Str(","), pandoc.Space() })
        end
        parts:extend(citation.prefix)
        if #citation.prefix > 0 then
          parts:insert(pandoc.Space())
        end
        parts:insert(pandoc.Link(text, "#" .. key))
        parts:extend(citation.suffix)
      end
      return parts
    end,
  }
end

-- Callouts ---------------------------------------------------------------------------------------

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind ~= nil then
      if CALLOUT_KINDS[kind] == nil then
        fail('unknown callout ".' .. class
          .. '"; use callout-note, -tip, -warning, -important or -caution')
      end
      return kind
    end
  end
  return nil
end

local function callout_filter()
  return {
    Div = function(div)
      local kind = callout_kind(div)
      if kind == nil then
        return nil
      end
      local body = div.content
      local title
      if div.attributes.title ~= nil then
        title = pandoc.Inlines(pandoc.read(div.attributes.title, "markdown").blocks[1].content)
      elseif #body > 0 and body[1].t == "Header" then
        title = body[1].content
        body = pandoc.Blocks({ table.unpack(body, 2) })
      else
        title = pandoc.Inlines({ pandoc.Str(CALLOUT_KINDS[kind]) })
      end
      if TYPST then
        local blocks = pandoc.Blocks({
          pandoc.RawBlock("typst", "#callout(kind: " .. typst_string(kind) .. ", title: ["
            .. typst_inlines(title) .. "])["),
        })
        blocks:extend(body)
        blocks:insert(pandoc.RawBlock("typst", "]"))
        return blocks
      end
      return pandoc.Div({
        pandoc.Div(pandoc.Plain(title), { class = "brief-callout-title" }),
        pandoc.Div(body, { class = "brief-callout-body" }),
      }, { id = div.identifier, class = "brief-callout brief-callout-" .. kind, role = "note" })
    end,
  }
end

function Pandoc(doc)
  doc = doc:walk(conditional_filter(doc.meta))
  local targets = number_targets(doc)
  doc = doc:walk(reference_filter(targets))
  doc = doc:walk(figure_filter(targets))
  doc = doc:walk(callout_filter())
  return doc
end
