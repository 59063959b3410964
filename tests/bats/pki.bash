# Certificates for the TLS tests (tls.bats, contexts.bats), made with
# openssl under $PKI, which the loading file sets.

# Writes an openssl configuration that owes nothing to the system's.
pki_config() {
	cat >"$1" <<-'EOF'
	[req]
	distinguished_name = dn
	prompt = no
	[dn]
	CN = redock test
	[ca]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[server]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth
	subjectAltName = IP:127.0.0.1,DNS:localhost
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	[client]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = clientAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	EOF
}

# pki_ca DIR CN: a self-signed CA, DIR/ca.pem and DIR/ca-key.pem.
pki_ca() {
	mkdir -p "$1"
	openssl req -config "$PKI/openssl.cnf" -x509 -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$2" \
	    -extensions ca -keyout "$1/ca-key.pem" -out "$1/ca.pem" 2>&1
}

# pki_leaf CADIR SECTION CN CERT KEY SERIAL: a certificate signed by the
# CA in CADIR, with the extensions of SECTION (server or client).
pki_leaf() {
	openssl req -config "$PKI/openssl.cnf" -new -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
	    -keyout "$5" -out "$5.csr" 2>&1 &&
	openssl x509 -req -in "$5.csr" -CA "$1/ca.pem" -CAkey "$1/ca-key.pem" \
	    -set_serial "$6" -days 2 -extfile "$PKI/openssl.cnf" \
	    -extensions "$2" -out "$4" 2>&1 &&
	rm -f "$5.csr"
}
