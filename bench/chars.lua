-- Walking a string's characters: each character as a one-character string (string.sub), compared
-- with one-character literals and a character class test (a tokenizer's inner loop).
local parts = {}
for i = 0, 19999 do
  parts[#parts + 1] = "let x" .. i .. " = (y + " .. (i * 7) .. ") * z;\n"
end
local src = table.concat(parts)
local idents, digits, punct, pairs = 0, 0, 0, 0
local sub = string.sub
for r = 1, 4 do
  for i = 1, #src do
    local c = sub(src, i, i)
    if c == "x" or c == "y" or c == "z" then
      idents = idents + 1
    elseif c >= "0" and c <= "9" then
      digits = digits + 1
    elseif c == "(" or c == ")" or c == ";" then
      punct = punct + 1
    end
  end
  for i = 2, #src do
    if sub(src, i, i) == sub(src, i - 1, i - 1) then pairs = pairs + 1 end
  end
end
print(#src .. " " .. idents .. " " .. digits .. " " .. punct .. " " .. pairs)
