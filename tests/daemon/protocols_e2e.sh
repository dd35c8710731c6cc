#!/bin/bash
# End-to-end test of the protocols beyond POX Outlook: v2 JSON, SOAP (autodiscover.svc),
# mobilesync and the conditional POX blocks (EXHTTP, mapiHttp), against the real daemon over
# real TLS on loopback (a CA made here with openssl, a directory filled with autodiscoverctl,
# curl as the client). Every success, redirect and error path of doc/autodiscoverd.md.
#
#   protocols_e2e.sh /path/to/autodiscoverd /path/to/autodiscoverctl
set -u
. "$(dirname "$0")/lib.sh"
e2e_init protocols_e2e "$@"

# --- PKI ---
e2e_ca "autodiscoverd protocols test CA"
e2e_issue server 127.0.0.1 IP:127.0.0.1,DNS:localhost
mv server.pem cert.pem && mv server.key key.pem

# --- directory: contoso (on-premises) and its cloud routing domain ---
DB=$WORK/directory.db
ctl() { "$CTL" --db "$DB" "$@" || { echo "autodiscoverctl $* failed"; exit 1; }; }
ctl init
ctl org add contoso
ctl domain add contoso.test --org contoso
ctl org add cloud
ctl domain add contoso.mail.onmicrosoft.test --org cloud
printf 'Passw0rd!\n' > bob.pw
ctl mailbox add bob@contoso.test --name "Bob Example" --password-file bob.pw
printf 'alicepw\n' > alice.pw
ctl mailbox add alice@contoso.test --name Alice --password-file alice.pw \
    --target-address alice@contoso.mail.onmicrosoft.test
ctl mailbox add alice@contoso.mail.onmicrosoft.test --name Alice --password-file alice.pw
ctl protocol add contoso EXCH Server=cas.contoso.test \
    EwsUrl=https://cas.contoso.test/EWS/Exchange.asmx OABUrl=https://cas.contoso.test/OAB/ \
    EcpUrl=https://cas.contoso.test/ecp/
ctl protocol add contoso EXPR Server=mail.contoso.test SSL=On AuthPackage=Basic \
    EwsUrl=https://mail.contoso.test/EWS/Exchange.asmx
ctl protocol add contoso EXHTTP Server=mail.contoso.test SSL=On AuthPackage=Basic
ctl protocol add contoso WEB Internal/OWAUrl=https://cas.contoso.test/owa/ \
    Internal/OWAUrl@AuthenticationMethod=Basic
ctl protocol add contoso IMAP Server=imap.contoso.test Port=993 SSL=on
ctl protocol add contoso mapiHttp Version=1 \
    MailStore/ExternalUrl=https://mail.contoso.test/mapi/emsmdb/ \
    AddressBook/ExternalUrl=https://mail.contoso.test/mapi/nspi/
ctl protocol add contoso MobileSync Url=https://mail.contoso.test/Microsoft-Server-ActiveSync
ctl protocol add contoso AutodiscoverV1 Url=https://autodiscover.contoso.test/autodiscover/autodiscover.xml
ctl protocol add cloud EXPR EwsUrl=https://pod51049.outlook.test/EWS/Exchange.asmx
ctl protocol add cloud AutodiscoverV1 Url=https://autodiscover-s.outlook.test/autodiscover/autodiscover.xml

PORT=$(e2e_free_port)
cat > autodiscoverd.conf <<CONF
directory "sqlite:$DB"
access-log "$WORK/access.log"
max-body 8192
listen 127.0.0.1 $PORT {
    tls-certificate "$WORK/cert.pem"
    tls-key "$WORK/key.pem"
}
CONF
BASE=https://127.0.0.1:$PORT
CURL+=(--path-as-is)
e2e_start_daemon autodiscoverd.conf daemon.err "$BASE/"
BOB=(-u 'bob@contoso.test:Passw0rd!')
ALICE=(-u 'alice@contoso.test:alicepw')

# ===================== v2 JSON =====================
J=$BASE/autodiscover/autodiscover.json
check "v2 path form" 200 "$(status "$J/v1.0/bob@contoso.test?Protocol=AutodiscoverV1")"
contains "v2 content type" 'Content-Type: application/json; charset=utf-8' headers.out
check "v2 AutodiscoverV1 answer" '{"Protocol":"AutodiscoverV1","Url":"https://autodiscover.contoso.test/autodiscover/autodiscover.xml"}' "$(cat body.out)"
check "v2 query form, Ews" 200 "$(status "$J?Email=bob%40contoso.test&Protocol=ews")"
check "v2 Ews is EXPR EwsUrl, canonical name" '{"Protocol":"Ews","Url":"https://mail.contoso.test/EWS/Exchange.asmx"}' "$(cat body.out)"
check "v2 ActiveSync" 200 "$(status "$BASE/AutoDiscover/AutoDiscover.json/v1.0/bob%40contoso.test?Protocol=ActiveSync")"
check "v2 ActiveSync is the MobileSync Url" '{"Protocol":"ActiveSync","Url":"https://mail.contoso.test/Microsoft-Server-ActiveSync"}' "$(cat body.out)"
check "v2 protocol without a URL here" 404 "$(status "$J?Email=bob%40contoso.test&Protocol=Rest")"
contains "v2 ProtocolNotAvailable" '"ErrorCode":"ProtocolNotAvailable"' body.out
# No enumeration: a known and an unknown address of an accepted domain, the same bytes.
status "$J?Email=bob%40contoso.test&Protocol=Ews" > /dev/null; cp body.out known.out
check "v2 unknown address of an accepted domain" 200 "$(status "$J?Email=nobody%40contoso.test&Protocol=Ews")"
check "v2 known and unknown answers are byte-identical" "$(md5sum < known.out)" "$(md5sum < body.out)"
check "v2 moved mailbox redirects" 302 "$(status "$J?Email=alice%40contoso.test&Protocol=Ews&RedirectCount=2")"
contains "v2 redirect Location" 'Location: https://autodiscover-s.outlook.test/autodiscover/autodiscover.json?Email=alice@contoso.mail.onmicrosoft.test&Protocol=Ews&RedirectCount=3' headers.out
check "v2 redirect past the cap" 400 "$(status "$J?Email=alice%40contoso.test&Protocol=Ews&RedirectCount=10")"
contains "v2 RedirectLimit" '"ErrorCode":"RedirectLimit"' body.out
check "v2 RedirectCount over 10" 400 "$(status "$J?Email=bob%40contoso.test&Protocol=Ews&RedirectCount=11")"
check "v2 foreign domain" 404 "$(status "$J?Email=eve%40evil.test&Protocol=Ews")"
cp body.out foreign1.out
check "v2 another foreign domain" 404 "$(status "$J/v1.0/x@attacker.test?Protocol=AutodiscoverV1")"
check "v2 foreign domains get one answer" "$(md5sum < foreign1.out)" "$(md5sum < body.out)"
lacks_nocase "v2 foreign answer echoes nothing" 'attacker' body.out
check "v2 invalid protocol" 400 "$(status "$J?Email=bob%40contoso.test&Protocol=%3Cscript%3E")"
contains "v2 InvalidProtocol" '"ErrorCode":"InvalidProtocol"' body.out
lacks_nocase "v2 InvalidProtocol echoes nothing" 'script' body.out
check "v2 missing protocol" 400 "$(status "$J?Email=bob%40contoso.test")"
check "v2 missing email" 400 "$(status "$J?Protocol=Ews")"
contains "v2 InvalidEmail" '"ErrorCode":"InvalidEmail"' body.out
check "v2 duplicate Email" 400 "$(status "$J?Email=bob%40contoso.test&Email=eve%40evil.test&Protocol=Ews")"
check "v2 bad escape" 400 "$(status "$J?Email=bob%4gcontoso.test&Protocol=Ews")"
# ProxyShell-style targets: never a redirect, never another host.
check "ProxyShell ?@evil/x" 400 "$(status "$J?@evil.test/x")"
check "ProxyShell ?@evil/x with a path" 400 "$(status "$J?@evil.test/owa/&Email=autodiscover/autodiscover.json%3F@evil.test&Protocol=Ews")"
check "ProxyShell path form with extra segments" 404 "$(status "$J/v1.0/bob@contoso.test/../../mapi/nspi?Protocol=Ews")"
check "ProxyShell encoded slash in the address" 400 "$(status "$J/v1.0/a%2F@evil.test?Protocol=Ews")"
check "ProxyShell user info address" 400 "$(status "$J?Email=a%40evil.test%40contoso.test&Protocol=Ews")"
lacks_nocase "no Location on any refused request" 'Location:' headers.out
check "v2 POST" 405 "$(status --data-binary x "$J?Email=bob%40contoso.test&Protocol=Ews")"
contains "v2 405 allows GET" 'Allow: GET' headers.out
check "v2 unknown path below" 404 "$(status "$J/v2.0/bob@contoso.test?Protocol=Ews")"

# ===================== SOAP (autodiscover.svc) =====================
S=$BASE/autodiscover/autodiscover.svc
XML=(-H 'Content-Type: text/xml; charset=utf-8')
soap_user "$S" bob@contoso.test UserDisplayName InternalEwsUrl ExternalEwsUrl UserDN CasVersion \
    ExternalMailboxServer ExternalMailboxServerRequiresSSL InternalWebClientUrls \
    ExternalImap4Connections MapiHttpEnabled InternalUMUrl NoSuchSetting > soap-bob.xml
check "SOAP without credentials" 401 "$(status "${XML[@]}" --data-binary @soap-bob.xml "$S")"
check "SOAP settings" 200 "$(status "${BOB[@]}" "${XML[@]}" --data-binary @soap-bob.xml "$BASE/AutoDiscover/AutoDiscover.svc")"
contains "SOAP content type" 'Content-Type: text/xml; charset=utf-8' headers.out
contains "SOAP wsa:Action response header" 'Autodiscover/GetUserSettingsResponse</a:Action>' body.out
contains "SOAP ServerVersionInfo" '<h:MajorVersion>15</h:MajorVersion>' body.out
contains "SOAP RedirectTarget nil" '<RedirectTarget i:nil="true"/>' body.out
contains "SOAP display name" '<Value>Bob Example</Value>' body.out
contains "SOAP InternalEwsUrl = EXCH" '<Value>https://cas.contoso.test/EWS/Exchange.asmx</Value>' body.out
contains "SOAP ExternalEwsUrl = EXPR" '<Value>https://mail.contoso.test/EWS/Exchange.asmx</Value>' body.out
contains "SOAP requires SSL" '<Value>True</Value>' body.out
contains "SOAP web client URLs" '<Url>https://cas.contoso.test/owa/</Url>' body.out
contains "SOAP IMAP connection" '<Hostname>imap.contoso.test</Hostname>' body.out
contains "SOAP unknown setting" '<SettingName>NoSuchSetting</SettingName>' body.out
contains "SOAP InvalidSetting" '<ErrorCode>InvalidSetting</ErrorCode>' body.out
contains "SOAP SettingIsNotAvailable" '<ErrorCode>SettingIsNotAvailable</ErrorCode>' body.out
soap_user "$S" alice@contoso.test UserDisplayName > soap-alice.xml
check "SOAP moved mailbox" 200 "$(status "${ALICE[@]}" --data-binary @soap-alice.xml "$S")"
contains "SOAP RedirectAddress" '<ErrorCode>RedirectAddress</ErrorCode>' body.out
contains "SOAP RedirectTarget" '<RedirectTarget>alice@contoso.mail.onmicrosoft.test</RedirectTarget>' body.out
check "SOAP another mailbox" 200 "$(status "${BOB[@]}" --data-binary @soap-alice.xml "$S")"
contains "SOAP InvalidUser for another mailbox" '<ErrorCode>InvalidUser</ErrorCode>' body.out
cp body.out invalid-known.out
soap_user "$S" nobody@contoso.test UserDisplayName > soap-nobody.xml
check "SOAP unknown mailbox" 200 "$(status "${BOB[@]}" --data-binary @soap-nobody.xml "$S")"
contains "SOAP InvalidUser for an unknown mailbox" '<ErrorCode>InvalidUser</ErrorCode>' body.out
soap_domain contoso.test > soap-domain.xml
check "SOAP domain settings" 200 "$(status "${BOB[@]}" --data-binary @soap-domain.xml "$S")"
contains "SOAP DomainStringSetting" '<DomainSetting i:type="DomainStringSetting">' body.out
contains "SOAP domain ExternalEwsUrl" '<Value>https://mail.contoso.test/EWS/Exchange.asmx</Value>' body.out
soap_domain evil.test > soap-evil.xml
check "SOAP foreign domain" 200 "$(status "${BOB[@]}" --data-binary @soap-evil.xml "$S")"
contains "SOAP InvalidDomain" '<ErrorCode>InvalidDomain</ErrorCode>' body.out
soap_domain contoso.mail.onmicrosoft.test > soap-other-org.xml
check "SOAP another organisation's domain" 200 "$(status "${BOB[@]}" --data-binary @soap-other-org.xml "$S")"
contains "SOAP InvalidDomain for another organisation" '<ErrorCode>InvalidDomain</ErrorCode>' body.out
check "SOAP malformed envelope" 500 "$(status "${BOB[@]}" --data-binary '<soap:Envelope' "$S")"
contains "SOAP fault" '<faultcode>s:Client</faultcode>' body.out
contains "SOAP fault content type" 'Content-Type: text/xml; charset=utf-8' headers.out
check "SOAP POX body" 500 "$(status "${BOB[@]}" --data-binary '<Autodiscover xmlns="x"/>' "$S")"
head -c 9000 /dev/zero | tr '\0' x > big.xml
check "SOAP over max-body" 413 "$(status "${BOB[@]}" --data-binary @big.xml "$S")"
check "SOAP wssecurity variant" 404 "$(status "${BOB[@]}" --data-binary @soap-bob.xml "$S/wssecurity")"
check "SOAP GET" 405 "$(status "${BOB[@]}" "$S")"

# ===================== mobilesync =====================
X=$BASE/autodiscover/autodiscover.xml
eas bob@contoso.test > eas-bob.xml
check "mobilesync settings" 200 "$(status "${BOB[@]}" "${XML[@]}" --data-binary @eas-bob.xml "$X")"
contains "mobilesync response namespace" 'xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"' body.out
contains "mobilesync server type" '<Type>MobileSync</Type>' body.out
contains "mobilesync server url" '<Url>https://mail.contoso.test/Microsoft-Server-ActiveSync</Url>' body.out
contains "mobilesync user" '<DisplayName>Bob Example</DisplayName>' body.out
lacks_nocase "mobilesync has no Outlook sections" '<Protocol>' body.out
eas alice@contoso.test > eas-alice.xml
check "mobilesync moved mailbox" 200 "$(status "${ALICE[@]}" --data-binary @eas-alice.xml "$X")"
contains "mobilesync Redirect" '<Redirect>alice@contoso.mail.onmicrosoft.test</Redirect>' body.out
check "mobilesync another mailbox" 200 "$(status "${BOB[@]}" --data-binary @eas-alice.xml "$X")"
contains "mobilesync Status 2" '<Status>2</Status>' body.out
eas bob@contoso.test http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a > eas-601.xml
check "mobilesync wrong schema" 200 "$(status "${BOB[@]}" --data-binary @eas-601.xml "$X")"
contains "mobilesync 601" '<ErrorCode>601</ErrorCode>' body.out
printf '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"><Request><EMailAddress>bob@contoso.test</EMailAddress></Request><Request><EMailAddress>bob@contoso.test</EMailAddress></Request></Autodiscover>' > eas-two.xml
check "mobilesync two Requests" 200 "$(status "${BOB[@]}" --data-binary @eas-two.xml "$X")"
contains "mobilesync 600" '<ErrorCode>600</ErrorCode>' body.out

# ===================== delegation (FullAccess): POX, SOAP, mobilesync =====================
printf 'carolpw\n' > carol.pw
ctl mailbox add carol@contoso.test --name Carol --password-file carol.pw
printf 'davepw\n' > dave.pw
ctl mailbox add dave@contoso.test --name Dave --password-file dave.pw
ctl mailbox delegate add bob@contoso.test carol@contoso.test
CAROL=(-u 'carol@contoso.test:carolpw')
DAVE=(-u 'dave@contoso.test:davepw')
request bob@contoso.test > pox-bob-delegated.xml
check "POX delegate" 200 "$(status "${CAROL[@]}" --data-binary @pox-bob-delegated.xml "$X")"
contains "POX delegate reads the mailbox's settings" '<DisplayName>Bob Example</DisplayName>' body.out
lacks "POX delegate: no error" '<ErrorCode>' body.out
check "POX non-delegate" 200 "$(status "${DAVE[@]}" --data-binary @pox-bob-delegated.xml "$X")"
contains "POX non-delegate gets 500" '<ErrorCode>500</ErrorCode>' body.out
soap_user "$S" bob@contoso.test UserDisplayName > soap-bob-delegated.xml
check "SOAP delegate" 200 "$(status "${CAROL[@]}" --data-binary @soap-bob-delegated.xml "$S")"
contains "SOAP delegate reads the mailbox's settings" '<Value>Bob Example</Value>' body.out
check "SOAP non-delegate" 200 "$(status "${DAVE[@]}" --data-binary @soap-bob-delegated.xml "$S")"
contains "SOAP non-delegate gets InvalidUser" '<ErrorCode>InvalidUser</ErrorCode>' body.out
check "mobilesync delegate" 200 "$(status "${CAROL[@]}" --data-binary @eas-bob.xml "$X")"
contains "mobilesync delegate reads the server" '<Url>https://mail.contoso.test/Microsoft-Server-ActiveSync</Url>' body.out
check "mobilesync non-delegate" 200 "$(status "${DAVE[@]}" --data-binary @eas-bob.xml "$X")"
contains "mobilesync non-delegate Status 2" '<Status>2</Status>' body.out
check "POX delegation is one way" 200 "$(status "${BOB[@]}" --data-binary "$(request carol@contoso.test)" "$X")"
contains "POX the delegator gets 500 for its delegate" '<ErrorCode>500</ErrorCode>' body.out
ctl mailbox delegate remove bob@contoso.test carol@contoso.test
check "POX after delegate remove" 200 "$(status "${CAROL[@]}" --data-binary @pox-bob-delegated.xml "$X")"
contains "POX removed delegate gets 500 (no restart)" '<ErrorCode>500</ErrorCode>' body.out

# ===================== POX conditional sections =====================
printf '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>bob@contoso.test</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' > pox-bob.xml
check "POX plain" 200 "$(status "${BOB[@]}" --data-binary @pox-bob.xml "$X")"
lacks_nocase "POX plain: no EXHTTP" '<Type>EXHTTP</Type>' body.out
lacks_nocase "POX plain: no mapiHttp" 'mapiHttp' body.out
lacks_nocase "POX never shows MobileSync data" 'MobileSync' body.out
lacks_nocase "POX never shows AutodiscoverV1 data" 'AutodiscoverV1' body.out
contains "POX plain keeps EXPR" '<Type>EXPR</Type>' body.out
check "POX with ExHttpInfo" 200 "$(status "${BOB[@]}" -H 'X-ClientCanHandle: Negotiate, exhttpinfo' --data-binary @pox-bob.xml "$X")"
contains "POX EXHTTP with ExHttpInfo" '<Type>EXHTTP</Type>' body.out
lacks_nocase "POX no mapiHttp without capability" 'mapiHttp' body.out
check "POX with another token" 200 "$(status "${BOB[@]}" -H 'X-ClientCanHandle: ExHttpInfoX' --data-binary @pox-bob.xml "$X")"
lacks_nocase "POX no EXHTTP for a longer token" '<Type>EXHTTP</Type>' body.out
check "POX with X-MapiHttpCapability" 200 "$(status "${BOB[@]}" -H 'X-MapiHttpCapability: 1' --data-binary @pox-bob.xml "$X")"
contains "POX mapiHttp with capability" '<Protocol Type="mapiHttp" Version="1">' body.out
lacks_nocase "POX no EXHTTP without ExHttpInfo" '<Type>EXHTTP</Type>' body.out
check "POX with X-MapiHttpCapability 0" 200 "$(status "${BOB[@]}" -H 'X-MapiHttpCapability: 0' --data-binary @pox-bob.xml "$X")"
lacks_nocase "POX no mapiHttp for capability 0" 'mapiHttp' body.out

no_secret_in_logs Passw0rd alicepw
e2e_stop_daemon
check "SIGTERM exits 0" 0 $?
e2e_finish
