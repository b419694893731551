package mail

import "net/textproto"

func textprotoErr(code int, msg string) textproto.Error { return textproto.Error{Code: code, Msg: msg} }
