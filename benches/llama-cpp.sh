# Shared by benches/llama-bench and benches/llama-server (sourced, not run): where the llama.cpp source of the pinned
# node-llama-cpp package is unpacked and built, and the CMake options of the "prebuilt" setup, which builds that
# source the way the packaged libraries of rill-native-linux-x64 are built. Expects $root and $offline.

llama_cpp_version=$(sed -n 's:.*<rill.native.npm.version>\(.*\)</rill.native.npm.version>.*:\1:p' \
  "$root/natives/pom.xml" | head -n 1)
[ -n "$llama_cpp_version" ] || { echo "no rill.native.npm.version in natives/pom.xml" >&2; exit 1; }
llama_cpp_cache="${RILL_LLAMA_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rill/llama-bench}/node-llama-cpp-$llama_cpp_version"
llama_cpp_src="$llama_cpp_cache/src"

# llama_cpp_prepare_source: the git bundle inside the package, cloned once, with the package's patches applied.
llama_cpp_prepare_source() {
  mkdir -p "$llama_cpp_cache"
  if [ ! -f "$llama_cpp_src/.rill-ready" ]; then
    echo "== llama.cpp source from node-llama-cpp@$llama_cpp_version"
    rm -rf "$llama_cpp_src" "$llama_cpp_cache/package"
    local pack=(--prefer-offline)
    $offline && pack=(--offline)
    local tarball
    tarball=$(cd "$llama_cpp_cache" && npm pack "node-llama-cpp@$llama_cpp_version" "${pack[@]}" --silent | tail -n 1)
    tar -xzf "$llama_cpp_cache/$tarball" -C "$llama_cpp_cache" package/llama/gitRelease.bundle \
      package/llama/llama.cpp.info.json package/llama/patches
    git -c advice.detachedHead=false clone -q "$llama_cpp_cache/package/llama/gitRelease.bundle" "$llama_cpp_src"
    for patch in "$llama_cpp_cache"/package/llama/patches/*.diff; do
      [ -f "$patch" ] || continue
      git -C "$llama_cpp_src" apply "$patch"
      echo "   applied $(basename "$patch")"
    done
    rm -f "$llama_cpp_cache/$tarball"
    touch "$llama_cpp_src/.rill-ready"
  fi
  llama_cpp_release=$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$llama_cpp_cache/package/llama/llama.cpp.info.json")
}

# llama_cpp_prebuilt_options VARIANT: fills the array prebuilt_options with the CMake options of the packaged
# libraries' setup for that CPU variant (the instruction sets GGML_CPU_ALL_VARIANTS gives it, read from the source's
# own list) and sets prebuilt_features.
llama_cpp_prebuilt_options() {
  local variant="$1"
  if ! grep -q "^ *ggml_add_cpu_backend_variant($variant[ )]" "$llama_cpp_src/ggml/src/CMakeLists.txt"; then
    echo "no CPU variant \"$variant\" in ggml/src/CMakeLists.txt" >&2
    exit 1
  fi
  prebuilt_features=$(sed -n "s/^ *ggml_add_cpu_backend_variant($variant\( \+\([A-Z0-9_ ]*\)\)\?).*/\2/p" \
    "$llama_cpp_src/ggml/src/CMakeLists.txt" | head -n 1)
  prebuilt_options=(-DGGML_NATIVE=OFF -DGGML_OPENMP=OFF -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON
                    -DGGML_CPU_ALL_VARIANTS=OFF)
  local feature
  for feature in SSE42 AVX AVX2 BMI2 AVX_VNNI FMA F16C AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16 \
                 AMX_TILE AMX_INT8 AMX_BF16; do
    if [[ " $prebuilt_features " == *" $feature "* ]]; then
      prebuilt_options+=("-DGGML_$feature=ON")
    else
      prebuilt_options+=("-DGGML_$feature=OFF")
    fi
  done
}

# llama_cpp_jar_libraries JAR DIR: the llama.cpp libraries of the rill-native-linux-x64 jar inside JAR, extracted
# into DIR (emptied first), with the sonames the prebuilt setup's tools were linked against.
llama_cpp_jar_libraries() {
  local jar="$1" dir="$2"
  rm -rf "$dir"
  mkdir -p "$dir"
  unzip -q -o "$jar" 'dev/rill/native/linux-x64/*' -d "$dir/extract"
  mv "$dir"/extract/dev/rill/native/linux-x64/* "$dir/"
  rm -rf "$dir/extract"
  local llama ggml
  llama=$(sed -n 's/^library=//p' "$dir/rill-native.properties")
  ggml=$(cd "$dir" && ls libggml.*.so | head -n 1)
  ln -s "$llama" "$dir/libllama.so.0"
  ln -s "$ggml" "$dir/libggml.so.0"
  ln -s libggml-base.so "$dir/libggml-base.so.0"
}
