#!/bin/sh
# Makes the site's web fonts in app/fonts/ (Vite fingerprints them) from the Source Sans 3 files the PDF
# embeds (@expo-google-fonts/source-sans-3): subset to Latin and compressed as
# WOFF2. The results are committed; run again only to change the subset or
# weights. Needs fontTools with brotli (Debian: apt-get install python3-fonttools
# python3-brotli).
set -eu
source_dir=node_modules/@expo-google-fonts/source-sans-3
target_dir=app/fonts
# Basic Latin, Latin-1, Latin Extended-A (ĳ, ł, œ…), typographic quotes, dashes, ellipsis, euro, arrows.
unicodes='U+0000-017F,U+0192,U+02C6,U+02DA,U+02DC,U+2000-206F,U+20AC,U+2122,U+2190-2193,U+2212,U+FEFF,U+FFFD'
# File names say the weight and style as CSS knows them: source-sans-3-400.woff2, -400-italic, …
name_of() { echo "source-sans-3-$1" | sed -e 's/Regular//; s/SemiBold//; s/Bold//; s/_Italic/-italic/'; }
for face in 400Regular 400Regular_Italic 600SemiBold 700Bold 700Bold_Italic; do
  /usr/bin/python3 -m fontTools.subset "$source_dir/$face/SourceSans3_$face.ttf" \
    --unicodes="$unicodes" --layout-features='kern,liga,clig,calt,ccmp,locl,mark,mkmk,onum,lnum,tnum,pnum' \
    --flavor=woff2 --output-file="$target_dir/$(name_of "$face").woff2"
done
cp "$source_dir/LICENSE_FONT" "$target_dir/OFL.txt"
