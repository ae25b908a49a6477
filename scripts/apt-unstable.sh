# SPDX-License-Identifier: GPL-2.0
# Debian unstable, read through a private apt configuration under the cache
# (sourced by scripts that fetch one package from it): the system's apt never
# sees unstable, so no system package can be upgraded from it.
# Use: apt-get/apt-cache "${private_opts[@]}" ..., after private_update.

apt_private=$TARPIT_CACHE/apt-unstable
private_opts=(-o Dir::Etc::SourceList="$apt_private/sources.list"
	-o Dir::Etc::SourceParts="$apt_private/parts"
	-o Dir::State::Lists="$apt_private/lists"
	-o Dir::Cache="$apt_private/cache"
	-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$apt_private/parts")

private_update() {
	mkdir -p "$apt_private/lists/partial" "$apt_private/cache/archives/partial" "$apt_private/parts"
	if [ ! -s "$apt_private/sources.list" ]; then
		# Use the mirror the system already uses for Debian itself.
		local uri
		uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
			awk '$2 == "bookworm" {print $1; exit}')
		[ -n "$uri" ] || die "no Debian bookworm source configured in apt"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${uri%/} unstable main" >"$apt_private/sources.list"
	fi
	# Refresh at most daily, so that warm runs need no network; offline, an
	# index fetched before still names a usable version.
	if [ -z "$(find "$apt_private/lists" -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
		apt-get -qq "${private_opts[@]}" update >/dev/null 2>&1 ||
			log "warning: could not refresh Debian unstable's index; using the one from before"
	fi
}
