# Writes OUT, a C file defining fg_model_embedded[] (NUL-terminated) with the bytes of IN.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from config/model.json by scripts/embed.cmake. */\n"
	"extern const char fg_model_embedded[];\n"
	"const char fg_model_embedded[] = {\n${bytes}0x00 };\n")
