package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"guanai/internal/api"
	"guanai/internal/app"
	"guanai/internal/authn"
	"guanai/internal/web"
)

// server is a running guanai on the loopback.
type server interface {
	// URL is the base address, http://127.0.0.1:PORT.
	URL() string
	// Memory returns the server process's resident memory now and its
	// peak (VmRSS, VmHWM), in bytes.
	Memory() (rss, peak int64, err error)
	// CPU returns the processor time (user and system) the server process
	// has used so far.
	CPU() (time.Duration, error)
	// Describe says what the server is, for the report.
	Describe() string
	// Stop stops it.
	Stop() error
}

// startServer starts the server c.Server names.
func startServer(ctx context.Context, c config, log io.Writer) (server, error) {
	if c.Server == "inproc" {
		return startInproc(ctx, c)
	}
	bin, tmp := c.Bin, ""
	if bin == "" {
		dir, err := os.MkdirTemp("", "guanai-load-bin-")
		if err != nil {
			return nil, err
		}
		tmp, bin = dir, filepath.Join(dir, "guanai")
		fmt.Fprintln(log, "building ./cmd/guanai …")
		bctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		out, err := exec.CommandContext(bctx, "go", "build", "-o", bin, "guanai/cmd/guanai").CombinedOutput()
		cancel()
		if err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("go build guanai/cmd/guanai: %v\n%s", err, out)
		}
	}
	s, err := startExec(ctx, c, bin, log)
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, err
	}
	s.tmp = tmp
	return s, nil
}

// execServer is `guanai serve` in a child process.
type execServer struct {
	cmd  *exec.Cmd
	url  string
	done chan error
	bin  string
	tmp  string // a temporary folder holding the binary built for the run
}

// listening matches the line serve prints once it listens.
var listening = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)

// startExec runs `bin serve` on 127.0.0.1:0 over c.DB with the key file of
// the preparation and no login rate limit, and waits (at most a minute)
// for the address it prints. Other GUANAI_* variables of this process's
// environment are not passed on.
func startExec(ctx context.Context, c config, bin string, log io.Writer) (*execServer, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", c.DB)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GUANAI_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	ac := appConfig(c)
	cmd.Env = append(cmd.Env, "GUANAI_REGIONS=base", "GUANAI_LOGIN_PER_MINUTE="+strconv.Itoa(ac.Policy.LoginPerMinute))
	if c.KeyFile != "" {
		cmd.Env = append(cmd.Env, "GUANAI_KEY_FILE="+c.KeyFile)
	}
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &execServer{cmd: cmd, done: make(chan error, 1), bin: bin}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
		s.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		s.url = "http://" + a
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("guanai serve exited before listening: %v", err)
	case <-time.After(time.Minute):
	case <-ctx.Done():
	}
	s.Stop()
	return nil, errors.New("guanai serve did not start listening within a minute")
}

func (s *execServer) URL() string { return s.url }

func (s *execServer) Memory() (int64, int64, error) {
	return procMemory(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
}

func (s *execServer) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// After the command name in parentheses: state, then 10 fields, then
	// utime and stime in clock ticks (USER_HZ, 100 on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat: %q", b)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

func (s *execServer) Describe() string {
	from := s.bin
	if s.tmp != "" {
		from = "built from this checkout"
	}
	return "`guanai serve` in its own process (" + from + "); RSS is the server's alone"
}

// Stop asks the server to stop (SIGTERM), kills it after 15 s, and
// removes the binary built for the run.
func (s *execServer) Stop() error {
	if s.tmp != "" {
		defer os.RemoveAll(s.tmp)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		return <-s.done
	}
}

// inprocServer is guanai's handler served from this process: the same mux
// as `guanai serve` (api.New under /api/, web.New for the rest, one
// authenticator).
type inprocServer struct {
	a    *app.App
	srv  *http.Server
	url  string
	done chan error
}

// startInproc opens the database afresh and serves it on 127.0.0.1:0. The
// peak-RSS mark of this process is reset first (where the kernel allows),
// so that the preparation's memory is not counted.
func startInproc(ctx context.Context, c config) (*inprocServer, error) {
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM
	a, err := app.Open(ctx, appConfig(c), nil)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	auth := &authn.Authenticator{Accounts: a.Accounts}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(a, auth.Identify, log))
	mux.Handle("/", web.New(a, auth, log))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		return nil, err
	}
	s := &inprocServer{a: a, url: "http://" + ln.Addr().String(), done: make(chan error, 1),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *inprocServer) URL() string { return s.url }

func (s *inprocServer) Memory() (int64, int64, error) { return procMemory("/proc/self/status") }

func (s *inprocServer) CPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

func (s *inprocServer) Describe() string {
	return "guanai's handler (api.New + web.New, as `guanai serve`) in the load generator's process; RSS includes the load generator"
}

func (s *inprocServer) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	if cerr := s.a.Close(); err == nil {
		err = cerr
	}
	return err
}

// procMemory reads VmRSS and VmHWM from a /proc status file.
func procMemory(path string) (rss, peak int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			peak = n << 10
		}
	}
	return rss, peak, nil
}
