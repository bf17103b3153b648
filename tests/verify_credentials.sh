#!/usr/bin/env bash
# verify names URLs and channels in its findings; the ones with credentials (a lock's, or the
# conda-meta records conda writes for a channel with user:password@ or /t/TOKEN/) reach neither
# the text nor the --json report: each is redacted as everywhere else.
source "$(dirname "$0")/verify_common.sh"

secret=pw-S3cret-31
token=tk-S3cret-32
p="$scratch/env"
make_prefix "$p"
run "$ENVLOCK" lock --from-prefix "$p" -o "$scratch/conda-lock.yml"
expect_rc 0

# The lock's package URL carries credentials and names the other archive format (url-differs).
sed "s#url: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-h4d5e6f7_0.conda#url: https://bob:$secret@conda.anaconda.org/t/$token/conda-forge/linux-64/zlib-1.3.1-h4d5e6f7_0.tar.bz2#" \
  "$scratch/conda-lock.yml" >"$scratch/secret-lock.yml"
grep -qF "$secret" "$scratch/secret-lock.yml"
# The prefix's record names a channel with credentials (channel-differs).
sed -i "s#\"channel\": \"https://conda.anaconda.org/conda-forge\"#\"channel\": \"https://bob:$secret@mirror.example/t/$token/conda-forge\"#" \
  "$p/conda-meta/tool-0.4.0-hfedcba9_0.json"
sed -i "s#\"url\": \"https://conda.anaconda.org/conda-forge/linux-64/tool#\"url\": \"https://bob:$secret@mirror.example/t/$token/conda-forge/linux-64/tool#" \
  "$p/conda-meta/tool-0.4.0-hfedcba9_0.json"

for format in "" --json; do
  run "$ENVLOCK" verify --prefix "$p" --lock "$scratch/secret-lock.yml" $format
  expect_rc 1
  expect_in out "url-differs"
  expect_in out "channel-differs"
  expect_in out "https://***:***@conda.anaconda.org/t/<TOKEN>/conda-forge/linux-64/zlib"
  expect_in out "https://***:***@mirror.example/t/<TOKEN>/conda-forge"
  expect_not_in out "$secret"
  expect_not_in out "$token"
  expect_not_in err "$secret"
done
echo PASS
