// Package smtptest is a small SMTP server for tests: it speaks the
// protocol (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET,
// NOOP, QUIT) on 127.0.0.1 and keeps every message it accepts, so a test
// reads what a real relay would have been given. It can be told to refuse
// the next messages with a temporary error (451), as a relay that is down
// does, or to stop listening altogether.
package smtptest

import (
	"bufio"
	"net"
	"net/textproto"
	"strings"
	"sync"
)

// Message is one accepted message: its envelope and its data as sent
// (headers and body, CRLF line ends, dot-stuffing removed).
type Message struct {
	From string
	To   []string
	Data string
}

// Server is a running test SMTP server.
type Server struct {
	ln   net.Listener
	Addr string // host:port

	mu     sync.Mutex
	msgs   []Message
	refuse int // the next messages answered 451
	wg     sync.WaitGroup
	got    chan struct{}
}

// Start listens on 127.0.0.1 at a free port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, Addr: ln.Addr().String(), got: make(chan struct{}, 100)}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Refuse makes the next n messages fail with 451 (try again later).
func (s *Server) Refuse(n int) {
	s.mu.Lock()
	s.refuse = n
	s.mu.Unlock()
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Received is signalled once per accepted message.
func (s *Server) Received() <-chan struct{} { return s.got }

// Close stops listening and waits for open sessions to end.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(textproto.NewConn(c))
		}()
	}
}

func (s *Server) session(c *textproto.Conn) {
	c.PrintfLine("220 smtptest ESMTP ready")
	var cur Message
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			c.PrintfLine("250-smtptest greets %s", arg)
			c.PrintfLine("250-8BITMIME")
			c.PrintfLine("250 SMTPUTF8")
		case "HELO":
			c.PrintfLine("250 smtptest")
		case "MAIL":
			cur = Message{From: addrArg(arg, "FROM:")}
			c.PrintfLine("250 OK")
		case "RCPT":
			cur.To = append(cur.To, addrArg(arg, "TO:"))
			c.PrintfLine("250 OK")
		case "DATA":
			if len(cur.To) == 0 {
				c.PrintfLine("503 no recipients")
				continue
			}
			c.PrintfLine("354 end with <CRLF>.<CRLF>")
			data, err := readData(c.Reader.R)
			if err != nil {
				return
			}
			s.mu.Lock()
			refuse := s.refuse > 0
			if refuse {
				s.refuse--
			} else {
				cur.Data = data
				s.msgs = append(s.msgs, cur)
			}
			s.mu.Unlock()
			if refuse {
				c.PrintfLine("451 4.3.0 try again later")
			} else {
				c.PrintfLine("250 OK queued")
				select {
				case s.got <- struct{}{}:
				default:
				}
			}
			cur = Message{}
		case "RSET":
			cur = Message{}
			c.PrintfLine("250 OK")
		case "NOOP":
			c.PrintfLine("250 OK")
		case "QUIT":
			c.PrintfLine("221 bye")
			return
		default:
			c.PrintfLine("502 command not implemented")
		}
	}
}

// addrArg reads "FROM:<a@b> SIZE=..." into "a@b".
func addrArg(arg, prefix string) string {
	if len(arg) >= len(prefix) && strings.EqualFold(arg[:len(prefix)], prefix) {
		arg = arg[len(prefix):]
	}
	arg, _, _ = strings.Cut(strings.TrimSpace(arg), " ")
	return strings.Trim(arg, "<>")
}

// readData reads DATA lines up to the lone dot, undoing dot-stuffing and
// keeping CRLF line ends.
func readData(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if line == ".\r\n" || line == ".\n" {
			return b.String(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}
