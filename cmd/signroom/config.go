package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/signroom/signroom/signaling"
)

// Config is the serve command's configuration. Every option is a flag with a SIGNROOM_*
// environment variable; secrets come only from the environment or a *_FILE path.
type Config struct {
	Addr            string
	DebugAddr       string // pprof listener; empty: off
	PublicURL       string
	publicURLSet    bool // false: PublicURL follows the address actually listened on
	DataDir         string
	Database        string
	LogFormat       string
	LogLevel        string
	ShutdownTimeout time.Duration
	MaxUploadBytes  int64
	// RenderCache keeps the page renderer's compiled WebAssembly between starts ("": none).
	RenderCache string

	Blob string // local | s3
	S3   S3Config

	URLSecret    []byte // signs local download URLs; generated into the data dir when unset
	MetricsToken string // secret: opens /metrics on the public listener

	StaffTokenTTL  time.Duration
	TrustedProxies []netip.Prefix
	TokenKeysPEM   string // secret: Ed25519 PKCS#8 PEM blocks, the first one signs; empty: DATA-DIR/keys
	Media          MediaConfig
	Seal           SealConfig
	// CloseWhenEmpty closes a ceremony whose signatures are all in once its room stayed
	// empty this long; CloseAfter closes it this long after its last signature (0: never).
	CloseWhenEmpty time.Duration
	CloseAfter     time.Duration
	TURN           TURNConfig
	// FixityInterval is how often serve re-hashes the archive against the seals (0: never).
	FixityInterval time.Duration
	// TSAURLs are RFC 3161 time-stamp authorities, tried in order, that time-stamp each
	// seal (--tsa-url, repeatable; $SIGNROOM_TSA_URLS comma-separated). Empty: no trusted time.
	TSAURLs []string
}

// SealConfig says where the service's seal certificate comes from: PEM files, a PKCS#12
// file, or (by default) a self-signed ECDSA P-256 certificate made at first start.
type SealConfig struct {
	Name           string // common name of a generated certificate; "": "Signroom seal of OPERATOR"
	Operator       string // who runs this installation; "": the public URL's host
	CertFile       string // PEM certificate chain, leaf first
	KeyPEM         string // secret: PEM private key
	PKCS12File     string
	PKCS12Password string // secret
}

// MediaConfig configures the ceremony SFU's network side.
type MediaConfig struct {
	ICEUDPPort int64
	ICETCPPort int64
	// ICEAddr is the IP address the media sockets bind to: --ice-addr, else the host of
	// --addr ("localhost" as 127.0.0.1); empty means every interface address.
	ICEAddr        string
	PublicIPs      []string
	ICEServers     []string // stun:/turn: URLs handed to browsers
	TURNUsername   string
	TURNPassword   string
	MaxRoomSize    int64
	AllowedOrigins []string
	// Remote ICE candidate policy (signaling.CandidatePolicy): which addresses the SFU may
	// send connectivity checks to on a participant's word.
	ICEDenyPrivate bool
	ICEAllowMDNS   bool
	ICEDeny        []netip.Prefix
}

// TURNConfig configures the embedded TURN server (package turnserver); off unless Addr or
// TLSAddr is set.
type TURNConfig struct {
	Addr          string        // UDP and TCP listen address
	TLSAddr       string        // TLS listen address; needs CertFile and KeyPEM
	CertFile      string        // PEM certificate chain, leaf first
	KeyPEM        string        // secret: PEM private key of CertFile
	Host          string        // host name in the URLs handed to browsers; "": the public URL's host
	CredentialTTL time.Duration // longest lifetime of a participant's credentials
	MaxAllocs     int64         // per invitation
	MaxAllocBytes int64         // per allocation; 0: no limit
}

// Enabled says whether the embedded TURN server runs.
func (t TURNConfig) Enabled() bool { return t.Addr != "" || t.TLSAddr != "" }

// S3Config points the blob store at MinIO or any S3-compatible service.
type S3Config struct {
	Endpoint      string
	AccessKey     string
	SecretKey     string
	TLS           bool
	Region        string
	WorkingBucket string
	ArchiveBucket string
	PartSize      int64
}

// configError names the option that is wrong; start-up prints it as one line.
type configError struct {
	option string
	msg    string
}

func (e *configError) Error() string {
	return fmt.Sprintf("invalid configuration: %s: %s", e.option, e.msg)
}

// envFlags registers flags whose defaults come from SIGNROOM_* variables and remembers
// parse errors in those variables so they are reported like flag errors.
type envFlags struct {
	fs   *flag.FlagSet
	errs []error
	env  func(string) string
}

func (e *envFlags) lookup(name string) (string, bool) {
	v := e.env(name)
	return v, v != ""
}

func (e *envFlags) String(p *string, name, env, def, usage string) {
	if v, ok := e.lookup(env); ok {
		def = v
	}
	e.fs.StringVar(p, name, def, usage+" ($"+env+")")
}

func (e *envFlags) Bool(p *bool, name, env string, def bool, usage string) {
	if v, ok := e.lookup(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, &configError{"$" + env, fmt.Sprintf("want true or false, got %q", v)})
		}
		def = b
	}
	e.fs.BoolVar(p, name, def, usage+" ($"+env+")")
}

func (e *envFlags) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v, ok := e.lookup(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, &configError{"$" + env, fmt.Sprintf("want a duration like 30s, got %q", v)})
		}
		def = d
	}
	e.fs.DurationVar(p, name, def, usage+" ($"+env+")")
}

func (e *envFlags) Int64(p *int64, name, env string, def int64, usage string) {
	if v, ok := e.lookup(env); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.errs = append(e.errs, &configError{"$" + env, fmt.Sprintf("want a whole number, got %q", v)})
		}
		def = n
	}
	e.fs.Int64Var(p, name, def, usage+" ($"+env+")")
}

// secret reads a secret from $NAME or from the file named by $NAME_FILE, never from a flag.
func secret(env func(string) string, name string) (string, error) {
	v, file := env(name), env(name+"_FILE")
	if v != "" && file != "" {
		return "", &configError{"$" + name, "set either " + name + " or " + name + "_FILE, not both"}
	}
	if file == "" {
		return v, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", &configError{"$" + name + "_FILE", err.Error()}
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

const secretsHelp = `
Secrets (environment only, or a file named by the *_FILE variant):
  SIGNROOM_S3_SECRET_KEY       S3 secret access key (or SIGNROOM_S3_SECRET_KEY_FILE)
  SIGNROOM_URL_SECRET          key that signs local download URLs, at least 32 bytes
                               (or SIGNROOM_URL_SECRET_FILE); generated into the data
                               directory when unset
  SIGNROOM_TURN_USERNAME       TURN username handed to browsers with --ice-servers
  SIGNROOM_TURN_PASSWORD       TURN credential (or SIGNROOM_TURN_PASSWORD_FILE)
  SIGNROOM_TURN_TLS_KEY        PEM private key of --turn-tls-cert (or SIGNROOM_TURN_TLS_KEY_FILE)
  SIGNROOM_TOKEN_KEYS          Ed25519 PKCS#8 PEM private keys that sign and verify tokens,
                               the first one signs (or SIGNROOM_TOKEN_KEYS_FILE); when unset
                               keys are generated and kept in DATA-DIR/keys
  SIGNROOM_SEAL_KEY            PEM private key of --seal-cert (or SIGNROOM_SEAL_KEY_FILE)
  SIGNROOM_SEAL_PKCS12_PASSWORD  password of --seal-pkcs12 (or ..._PASSWORD_FILE)
  SIGNROOM_METRICS_TOKEN       bearer token that opens /metrics on the public listener
                               (or SIGNROOM_METRICS_TOKEN_FILE); unset: /metrics is served
                               only on the --debug-addr listener
`

// parseServeConfig parses the serve command's flags and environment.
func parseServeConfig(args []string, env func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("signroom serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := &envFlags{fs: fs, env: env}
	ef.String(&c.Addr, "addr", "SIGNROOM_ADDR", "127.0.0.1:8080", "address to listen on")
	ef.String(&c.DebugAddr, "debug-addr", "SIGNROOM_DEBUG_ADDR", "", "address of a separate listener serving Go's pprof profiles (keep it on loopback); empty: off")
	ef.String(&c.PublicURL, "public-url", "SIGNROOM_PUBLIC_URL", "", "URL users reach the service at (default http:// and --addr's port on --addr's host, localhost for an empty, 0.0.0.0, :: or 127.0.0.1 host; with port 0, the port actually bound)")
	ef.String(&c.DataDir, "data-dir", "SIGNROOM_DATA_DIR", "data", "directory for the database, keys and the local blob store")
	ef.String(&c.Database, "database", "SIGNROOM_DATABASE", "", "SQLite database file (default DATA-DIR/signroom.db)")
	ef.String(&c.LogFormat, "log-format", "SIGNROOM_LOG_FORMAT", "text", "log format: text or json")
	ef.String(&c.LogLevel, "log-level", "SIGNROOM_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	ef.Duration(&c.ShutdownTimeout, "shutdown-timeout", "SIGNROOM_SHUTDOWN_TIMEOUT", 20*time.Second, "how long graceful shutdown waits for requests")
	ef.Int64(&c.MaxUploadBytes, "max-upload-bytes", "SIGNROOM_MAX_UPLOAD_BYTES", 64<<20, "largest document upload accepted, in bytes (inspecting one costs up to about 3.5 times its size in memory)")
	ef.String(&c.RenderCache, "render-cache", "SIGNROOM_RENDER_CACHE", defaultRenderCache(), "directory keeping the page renderer's compiled code between starts (empty: compile at every start, about 10 s at the first upload)")
	ef.String(&c.Blob, "blob", "SIGNROOM_BLOB", "local", "blob store: local (a directory under DATA-DIR) or s3 (MinIO or any S3-compatible store)")
	ef.String(&c.S3.Endpoint, "s3-endpoint", "SIGNROOM_S3_ENDPOINT", "", "S3 endpoint host:port")
	ef.String(&c.S3.AccessKey, "s3-access-key", "SIGNROOM_S3_ACCESS_KEY", "", "S3 access key id")
	ef.Bool(&c.S3.TLS, "s3-tls", "SIGNROOM_S3_TLS", true, "use HTTPS to reach S3")
	ef.String(&c.S3.Region, "s3-region", "SIGNROOM_S3_REGION", "", "S3 region (empty for MinIO's default)")
	ef.String(&c.S3.WorkingBucket, "s3-working-bucket", "SIGNROOM_S3_WORKING_BUCKET", "signroom-working", "bucket for uploads and in-progress recordings")
	ef.String(&c.S3.ArchiveBucket, "s3-archive-bucket", "SIGNROOM_S3_ARCHIVE_BUCKET", "signroom-archive", "bucket with object locking for sealed records")
	ef.Int64(&c.S3.PartSize, "s3-part-size", "SIGNROOM_S3_PART_SIZE", 16<<20, "multipart upload part size in bytes (5 MiB to 5 GiB)")
	ef.Duration(&c.CloseWhenEmpty, "close-when-empty", "SIGNROOM_CLOSE_WHEN_EMPTY", 2*time.Minute, "close (and seal) a ceremony whose signatures are all in once its room has been empty this long")
	ef.Duration(&c.CloseAfter, "close-after", "SIGNROOM_CLOSE_AFTER", time.Hour, "close (and seal) a ceremony this long after its last signature, even with people in the room (0: only the host or an empty room closes it)")
	ef.Duration(&c.FixityInterval, "fixity-interval", "SIGNROOM_FIXITY_INTERVAL", 24*time.Hour, "how often to re-hash every archived object against its seal (signroom fixity runs it once; 0: never)")
	ef.Duration(&c.StaffTokenTTL, "staff-token-ttl", "SIGNROOM_STAFF_TOKEN_TTL", 8*time.Hour, "lifetime of a staff access token")
	ef.String(&c.Seal.Operator, "operator", "SIGNROOM_OPERATOR", "", "who runs this installation (an organisation's name), named in the seal certificate and its published list; default the public URL's host")
	ef.String(&c.Seal.Name, "seal-name", "SIGNROOM_SEAL_NAME", "", "common name of the self-signed seal certificate generated at first start (default \"Signroom seal of OPERATOR\")")
	ef.String(&c.Seal.CertFile, "seal-cert", "SIGNROOM_SEAL_CERT", "", "PEM seal certificate chain (leaf first); its key comes from $SIGNROOM_SEAL_KEY(_FILE)")
	ef.String(&c.Seal.PKCS12File, "seal-pkcs12", "SIGNROOM_SEAL_PKCS12", "", "PKCS#12 file with the seal certificate and key; password from $SIGNROOM_SEAL_PKCS12_PASSWORD(_FILE)")
	fs.Func("tsa-url", "RFC 3161 time-stamp authority URL that time-stamps each seal; repeat for fallbacks, tried in order ($SIGNROOM_TSA_URLS, comma-separated)", func(v string) error {
		c.TSAURLs = append(c.TSAURLs, v)
		return nil
	})
	var publicIPs, iceServers, origins, proxies string
	ef.String(&proxies, "trusted-proxies", "SIGNROOM_TRUSTED_PROXIES", "", "comma-separated reverse proxy addresses or CIDRs whose X-Forwarded-For names the client")
	ef.Int64(&c.Media.ICEUDPPort, "ice-udp-port", "SIGNROOM_ICE_UDP_PORT", 0, "the one UDP port all WebRTC peers share (0 picks a free port; set it in production)")
	ef.Int64(&c.Media.ICETCPPort, "ice-tcp-port", "SIGNROOM_ICE_TCP_PORT", 0, "ICE-TCP fallback port for networks that block UDP (0 disables it)")
	ef.String(&c.Media.ICEAddr, "ice-addr", "SIGNROOM_ICE_ADDR", "", "IP address the WebRTC media sockets (--ice-udp-port, --ice-tcp-port) bind to (default: the host of --addr; 0.0.0.0 or :: or an empty --addr host: one socket per interface address, loopback excluded)")
	ef.String(&publicIPs, "public-ip", "SIGNROOM_PUBLIC_IP", "", "comma-separated addresses announced to browsers, for servers behind 1:1 NAT")
	ef.String(&iceServers, "ice-servers", "SIGNROOM_ICE_SERVERS", "", "comma-separated stun:/turn: URLs handed to browsers")
	ef.Int64(&c.Media.MaxRoomSize, "max-room-size", "SIGNROOM_MAX_ROOM_SIZE", 16, "most participants in one ceremony (at most 32: larger rooms' signaling frames are not measured to fit)")
	ef.String(&origins, "allowed-origins", "SIGNROOM_ALLOWED_ORIGINS", "", "comma-separated extra Origin hosts allowed to open the ceremony WebSocket")
	var iceDeny string
	ef.String(&c.TURN.Addr, "turn-addr", "SIGNROOM_TURN_ADDR", "", "UDP and TCP address of the embedded TURN server, e.g. :3478 (empty: off)")
	ef.String(&c.TURN.TLSAddr, "turn-tls-addr", "SIGNROOM_TURN_TLS_ADDR", "", "TLS address of the embedded TURN server, e.g. :5349 or :443 (empty: off); needs --turn-tls-cert")
	ef.String(&c.TURN.CertFile, "turn-tls-cert", "SIGNROOM_TURN_TLS_CERT", "", "PEM certificate chain of --turn-tls-addr (leaf first) for --turn-host; its key comes from $SIGNROOM_TURN_TLS_KEY(_FILE)")
	ef.String(&c.TURN.Host, "turn-host", "SIGNROOM_TURN_HOST", "", "host name or address browsers reach the TURN server at (default: the public URL's host)")
	ef.Duration(&c.TURN.CredentialTTL, "turn-credential-ttl", "SIGNROOM_TURN_CREDENTIAL_TTL", 12*time.Hour, "longest lifetime of a participant's TURN credentials (an invitation that expires sooner ends them sooner)")
	ef.Int64(&c.TURN.MaxAllocs, "turn-max-allocations", "SIGNROOM_TURN_MAX_ALLOCATIONS", 16, "most TURN allocations one invitation holds at once")
	ef.Int64(&c.TURN.MaxAllocBytes, "turn-max-allocation-bytes", "SIGNROOM_TURN_MAX_ALLOCATION_BYTES", 16<<30, "most bytes one TURN allocation relays (0: no limit)")
	ef.Bool(&c.Media.ICEDenyPrivate, "ice-deny-private", "SIGNROOM_ICE_DENY_PRIVATE", false, "refuse participants' ICE candidates in private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)")
	ef.Bool(&c.Media.ICEAllowMDNS, "ice-allow-mdns", "SIGNROOM_ICE_ALLOW_MDNS", false, "accept participants' mDNS (.local) ICE candidates")
	ef.String(&iceDeny, "ice-deny", "SIGNROOM_ICE_DENY", "", "comma-separated further addresses or CIDRs the SFU never sends ICE checks to")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: signroom serve [flags]\n\nRuns the Signroom service.\n\nFlags (each also read from the environment variable shown):\n")
		fs.PrintDefaults()
		fmt.Fprint(stderr, secretsHelp)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if len(ef.errs) > 0 {
		return c, ef.errs[0]
	}
	c.Media.PublicIPs, c.Media.ICEServers, c.Media.AllowedOrigins = splitList(publicIPs), splitList(iceServers), splitList(origins)
	if len(c.TSAURLs) == 0 {
		c.TSAURLs = splitList(env("SIGNROOM_TSA_URLS"))
	}
	var err error
	if c.TrustedProxies, err = parsePrefixes("--trusted-proxies", splitList(proxies)); err != nil {
		return c, err
	}
	if c.Media.ICEDeny, err = parsePrefixes("--ice-deny", splitList(iceDeny)); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, &configError{"arguments", fmt.Sprintf("serve takes no arguments, got %q", fs.Args())}
	}
	if err := c.loadSecrets(env); err != nil {
		return c, err
	}
	return c, c.validate()
}

func (c *Config) loadSecrets(env func(string) string) error {
	var err error
	if c.S3.SecretKey, err = secret(env, "SIGNROOM_S3_SECRET_KEY"); err != nil {
		return err
	}
	s, err := secret(env, "SIGNROOM_URL_SECRET")
	if err != nil {
		return err
	}
	if s != "" && len(s) < 32 {
		return &configError{"$SIGNROOM_URL_SECRET", "must be at least 32 bytes"}
	}
	c.URLSecret = []byte(s)
	if c.Media.TURNUsername, err = secret(env, "SIGNROOM_TURN_USERNAME"); err != nil {
		return err
	}
	if c.Media.TURNPassword, err = secret(env, "SIGNROOM_TURN_PASSWORD"); err != nil {
		return err
	}
	if c.TURN.KeyPEM, err = secret(env, "SIGNROOM_TURN_TLS_KEY"); err != nil {
		return err
	}
	if c.TokenKeysPEM, err = secret(env, "SIGNROOM_TOKEN_KEYS"); err != nil {
		return err
	}
	if c.Seal.KeyPEM, err = secret(env, "SIGNROOM_SEAL_KEY"); err != nil {
		return err
	}
	if c.MetricsToken, err = secret(env, "SIGNROOM_METRICS_TOKEN"); err != nil {
		return err
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return &configError{"$SIGNROOM_METRICS_TOKEN", "must be at least 16 characters"}
	}
	c.Seal.PKCS12Password, err = secret(env, "SIGNROOM_SEAL_PKCS12_PASSWORD")
	return err
}

// parsePrefixes reads addresses and CIDR prefixes; an address stands for itself alone.
func parsePrefixes(flag string, items []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, it := range items {
		if p, err := netip.ParsePrefix(it); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(it)
		if err != nil {
			return nil, &configError{flag, fmt.Sprintf("%q is neither an IP address nor a CIDR prefix", it)}
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (c *Config) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &configError{"--addr", fmt.Sprintf("want host:port, got %q", c.Addr)}
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			return &configError{"--debug-addr", fmt.Sprintf("want host:port, got %q", c.DebugAddr)}
		}
	}
	c.publicURLSet = c.PublicURL != ""
	if !c.publicURLSet {
		c.PublicURL = "http://" + displayAddr(c.Addr)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &configError{"--public-url", fmt.Sprintf("want an http(s) URL, got %q", c.PublicURL)}
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.DataDir == "" {
		return &configError{"--data-dir", "must not be empty"}
	}
	for _, t := range c.TSAURLs {
		if u, err := url.Parse(t); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &configError{"--tsa-url", fmt.Sprintf("want an http(s) URL, got %q", t)}
		}
	}
	if c.Database == "" {
		c.Database = filepath.Join(c.DataDir, "signroom.db")
	}
	if err := c.validateLogging(); err != nil {
		return err
	}
	if c.ShutdownTimeout <= 0 {
		return &configError{"--shutdown-timeout", "must be positive"}
	}
	if c.MaxUploadBytes < 1<<10 {
		return &configError{"--max-upload-bytes", "must be at least 1024"}
	}
	if c.StaffTokenTTL < time.Minute || c.StaffTokenTTL > 7*24*time.Hour {
		return &configError{"--staff-token-ttl", "must be between 1m and 168h"}
	}
	if c.Media.ICEAddr == "" {
		c.Media.ICEAddr = addrHostIP(c.Addr)
	}
	if err := c.Media.validate(); err != nil {
		return err
	}
	if err := c.TURN.validate(c.PublicURL); err != nil {
		return err
	}
	if err := c.Seal.validate(); err != nil {
		return err
	}
	return c.validateBlob()
}

func (s *SealConfig) validate() error {
	switch {
	case s.CertFile != "" && s.PKCS12File != "":
		return &configError{"--seal-cert", "set either --seal-cert or --seal-pkcs12, not both"}
	case s.CertFile != "" && s.KeyPEM == "":
		return &configError{"$SIGNROOM_SEAL_KEY", "required with --seal-cert"}
	case s.CertFile == "" && s.KeyPEM != "":
		return &configError{"--seal-cert", "required with $SIGNROOM_SEAL_KEY"}
	case strings.ContainsAny(s.Operator+s.Name, "\x00\r\n"):
		return &configError{"--operator", "must be one line"}
	}
	return nil
}

// addrHostIP is the host of a host:port listen address as the media bind address: an IP
// stays, "localhost" is 127.0.0.1, anything else (empty, a name) means every interface.
func addrHostIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	switch {
	case err != nil:
		return ""
	case strings.EqualFold(host, "localhost"):
		return "127.0.0.1"
	case net.ParseIP(host) != nil:
		return host
	}
	return ""
}

func (t *TURNConfig) validate(publicURL string) error {
	for _, a := range []struct{ flag, addr string }{{"--turn-addr", t.Addr}, {"--turn-tls-addr", t.TLSAddr}} {
		if _, _, err := net.SplitHostPort(a.addr); a.addr != "" && err != nil {
			return &configError{a.flag, fmt.Sprintf("want host:port, got %q", a.addr)}
		}
	}
	switch {
	case t.TLSAddr != "" && (t.CertFile == "" || t.KeyPEM == ""):
		return &configError{"--turn-tls-cert", "--turn-tls-addr needs a certificate and $SIGNROOM_TURN_TLS_KEY"}
	case t.TLSAddr == "" && t.CertFile != "":
		return &configError{"--turn-tls-cert", "given without --turn-tls-addr"}
	case t.CredentialTTL < time.Minute || t.CredentialTTL > 7*24*time.Hour:
		return &configError{"--turn-credential-ttl", "must be between 1m and 168h"}
	case t.MaxAllocs < 1 || t.MaxAllocs > 1000:
		return &configError{"--turn-max-allocations", "must be between 1 and 1000"}
	case t.MaxAllocBytes < 0:
		return &configError{"--turn-max-allocation-bytes", "must not be negative"}
	}
	if t.Host == "" {
		u, _ := url.Parse(publicURL)
		t.Host = u.Hostname()
	}
	return nil
}

func (m *MediaConfig) validate() error {
	if m.ICEAddr != "" && net.ParseIP(m.ICEAddr) == nil {
		return &configError{"--ice-addr", fmt.Sprintf("%q is not an IP address", m.ICEAddr)}
	}
	if m.ICEUDPPort < 0 || m.ICEUDPPort > 65535 {
		return &configError{"--ice-udp-port", "must be a port number"}
	}
	if m.ICETCPPort < 0 || m.ICETCPPort > 65535 {
		return &configError{"--ice-tcp-port", "must be a port number"}
	}
	for _, ip := range m.PublicIPs {
		if net.ParseIP(ip) == nil {
			return &configError{"--public-ip", fmt.Sprintf("%q is not an IP address", ip)}
		}
	}
	for _, u := range m.ICEServers {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			return &configError{"--ice-servers", fmt.Sprintf("%q is not a stun:, turn: or turns: URL", u)}
		}
	}
	if m.MaxRoomSize < 2 || m.MaxRoomSize > signaling.MaxServedRoomSize {
		// Above it a subscriber's offer outgrows the signaling frame limit (docs/signaling.md).
		return &configError{"--max-room-size", fmt.Sprintf("must be between 2 and %d", signaling.MaxServedRoomSize)}
	}
	return nil
}

func (c *Config) validateLogging() error {
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return &configError{"--log-format", fmt.Sprintf("want text or json, got %q", c.LogFormat)}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
		return nil
	}
	return &configError{"--log-level", fmt.Sprintf("want debug, info, warn or error, got %q", c.LogLevel)}
}

func (c *Config) validateBlob() error {
	switch c.Blob {
	case "local":
		return nil
	case "s3":
	default:
		return &configError{"--blob", fmt.Sprintf("want local or s3, got %q", c.Blob)}
	}
	switch {
	case c.S3.Endpoint == "":
		return &configError{"--s3-endpoint", "required with --blob=s3"}
	case strings.Contains(c.S3.Endpoint, "/"):
		return &configError{"--s3-endpoint", fmt.Sprintf("want host:port without a scheme or path, got %q", c.S3.Endpoint)}
	case c.S3.AccessKey == "":
		return &configError{"--s3-access-key", "required with --blob=s3"}
	case c.S3.SecretKey == "":
		return &configError{"$SIGNROOM_S3_SECRET_KEY", "required with --blob=s3"}
	case c.S3.WorkingBucket == "" || c.S3.ArchiveBucket == "":
		return &configError{"--s3-archive-bucket", "both bucket names are required"}
	case c.S3.WorkingBucket == c.S3.ArchiveBucket:
		return &configError{"--s3-archive-bucket", "must differ from the working bucket"}
	case c.S3.PartSize < 5<<20 || c.S3.PartSize > 5<<30:
		return &configError{"--s3-part-size", "must be between 5 MiB and 5 GiB"}
	}
	return nil
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
