# Sourced by ./build and ./rill: points JAVA_HOME at a JDK 25 or newer, or explains what to install.
# Order: $RILL_JAVA_HOME, $JAVA_HOME, the java on PATH, then the usual install folders.

rill_java_feature() {
  # Prints the feature release of the JDK at $1 (25 for "25.0.3"), or nothing.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

rill_find_jdk() {
  local candidates=() dir feature
  [ -n "${RILL_JAVA_HOME:-}" ] && candidates+=("$RILL_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for dir in /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/* /opt/java/* /opt/jdk* \
             /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.jdks/*; do
    [ -d "$dir" ] && candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    feature=$(rill_java_feature "$dir")
    if [ -n "$feature" ] && [ "$feature" -ge 25 ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

if ! RILL_JDK=$(rill_find_jdk); then
  cat >&2 <<'MSG'
Rill needs a JDK 25 or newer and found none.
Looked at $RILL_JAVA_HOME, $JAVA_HOME, the javac on PATH, /usr/lib/jvm, ~/.sdkman, /opt and /Library/Java.
Install one, for example:
  Debian/Ubuntu: apt-get install temurin-25-jdk   (Adoptium's apt repository)
  macOS:         brew install --cask temurin@25
  SDKMAN:        sdk install java 25-tem
or set RILL_JAVA_HOME to its folder.
MSG
  exit 1
fi
export JAVA_HOME="$RILL_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
