# Sourced by the benchmark scripts, from the repository's root: where the team corpus is, and a
# median.

# The path of PART in the team corpus (../shared/corpus beside the repository, or the folder
# PROW_CORPUS names). Without it: a message naming where it looked, and the script exits.
corpus_path() {
  local corpus="${PROW_CORPUS:-$(cd .. && pwd)/shared/corpus}"
  [ -e "$corpus/$1" ] || { echo "${0##*/}: corpus not found at $corpus (set PROW_CORPUS)" >&2; exit 1; }
  echo "$corpus/$1"
}

# The median of the numbers read from standard input, one a line or separated by spaces.
median() {
  tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
