#!/usr/bin/env bash
# A private smbd serving contrib/samba/omefs-share.conf. Source it, then:
#   samba_start DIR IMAGES [LOCAL] → smbd on 127.0.0.1 on a free port, its state, locks, logs
#       and password database under DIR, never /etc or /var; the shipped share [images] at
#       IMAGES and, when given, the same settings as [local] at LOCAL. One user, nobody, with a
#       password. Exports SMB_PORT, SMB_CONF, SMB_USER, SMB_PASS and SMB_PID; returns 1 (with
#       smbd's log) when it does not come up.
#   samba_stop → stops smbd and its children, by their PIDs
#   smb_get SHARE COMMANDS → smbclient on SHARE (images, local) running COMMANDS
_samba_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

samba_start() {
    local dir=$1 images=$2 local_path=${3:-}
    mkdir -p "$dir"/{private,lock,state,cache,pid,ncalrpc,log}
    SMB_PORT=$(/usr/bin/python3 "$_samba_repo/tests/lib/free_port.py" 1)
    SMB_CONF="$dir/smb.conf" SMB_USER=nobody SMB_PASS="omefs-test-$$"
    local private="   smb ports = $SMB_PORT\n   interfaces = 127.0.0.1\n   bind interfaces only = yes\n"
    private+="   disable netbios = yes\n   private dir = $dir/private\n   lock directory = $dir/lock\n"
    private+="   state directory = $dir/state\n   cache directory = $dir/cache\n"
    private+="   pid directory = $dir/pid\n   ncalrpc dir = $dir/ncalrpc\n"
    private+="   log file = $dir/log/smbd.log\n   passdb backend = tdbsam:$dir/private/passdb.tdb\n"
    # no RPC helpers (samba-dcerpcd outlives smbd): file service only
    private+="   rpc start on demand helpers = no"
    sed -e "s|^\[global\]|[global]\n$private|" -e "s|^   path = /srv/omefs/images|   path = $images|" \
        -e "s|^   valid users = @imaging|   valid users = $SMB_USER|" \
        "$_samba_repo/contrib/samba/omefs-share.conf" >"$SMB_CONF"
    if [ -n "$local_path" ]; then # [local]: a copy of [images] with another path
        sed -n '/^\[images\]/,$p' "$SMB_CONF" |
            sed -e 's|^\[images\]|[local]|' -e "s|^   path = .*|   path = $local_path|" >>"$SMB_CONF"
    fi
    printf '%s\n%s\n' "$SMB_PASS" "$SMB_PASS" | smbpasswd -c "$SMB_CONF" -s -a "$SMB_USER" >/dev/null
    # its own process group: smbd signals its whole group when it stops
    smbd --foreground --configfile="$SMB_CONF" --debug-stdout \
        >"$dir/log/stdout.log" 2>&1 &
    SMB_PID=$!
    export SMB_PORT SMB_CONF SMB_USER SMB_PASS SMB_PID
    local _
    for _ in $(seq 100); do
        smbclient //127.0.0.1/images -p "$SMB_PORT" -s "$SMB_CONF" -U "$SMB_USER%$SMB_PASS" \
            -c ls >/dev/null 2>&1 && return 0
        kill -0 "$SMB_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/log/stdout.log" >&2
    return 1
}

samba_stop() {
    [ -n "${SMB_PID:-}" ] || return 0
    local children
    children=$(ps -o pid= --ppid "$SMB_PID" 2>/dev/null)
    kill "$SMB_PID" $children 2>/dev/null
    wait "$SMB_PID" 2>/dev/null
    SMB_PID=
}

smb_get() {
    smbclient "//127.0.0.1/$1" -p "$SMB_PORT" -s "$SMB_CONF" -U "$SMB_USER%$SMB_PASS" -c "$2"
}
