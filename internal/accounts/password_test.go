package accounts_test

import (
	"strings"
	"testing"

	"guanai/internal/accounts"
	"guanai/internal/errs"
)

func TestCheckPolicy(t *testing.T) {
	const (
		tooShort = "密码至少需要8个字符"
		tooLong  = "密码不能超过128个字符"
		classes  = "密码须包含大写字母、小写字母、数字、特殊符号中的至少3类"
		username = "密码不能包含用户名"
		common   = "密码过于常见，容易被猜中，请换一个"
	)
	for _, c := range []struct {
		name, username, pw, want string // want "" passes
	}{
		{"seven characters", "zhangsan", "Ab1!xyz", tooShort + "，当前为7个"},
		{"empty", "zhangsan", "", tooShort + "，当前为0个"},
		{"length counts characters, not bytes", "zhangsan", "云南Ab1!", tooShort + "，当前为6个"},
		{"129 characters", "zhangsan", strings.Repeat("Ab1!", 32) + "x", tooLong},
		{"128 characters", "zhangsan", strings.Repeat("Ab1!", 32), ""},
		{"lower and digits only", "zhangsan", "abcdefgh1234", classes},
		{"upper and symbols only", "zhangsan", "ABCDEFGH!@#$", classes},
		{"woaini1314 (two classes)", "zhangsan", "woaini1314", classes},
		{"contains the username", "zhangsan", "Zhangsan-2026", username},
		{"contains the username, other case", "ZhangSan", "xx.zhangsan.X1", username},
		{"Password1!", "zhangsan", "Password1!", common},
		{"Woaini1314", "zhangsan", "Woaini1314", common},
		{"woaini1314 with a symbol", "zhangsan", "woaini1314!", common},
		{"P@ssw0rd", "zhangsan", "P@ssw0rd", common},
		{"Qwerty123", "zhangsan", "Qwerty123", common},
		{"Admin888!", "zhangsan", "Admin888!", common},
		{"!Guanai2026", "zhangsan", "!Guanai2026", common},
		{"Abc123456! (few letters round a digit run)", "zhangsan", "Abc123456!", common},
		{"Qq123456!", "zhangsan", "Qq123456!", common},
		{"A123456789!", "zhangsan", "A123456789!", common},
		{"1qaz@WSX (keyboard walk)", "zhangsan", "1qaz@WSX", common},
		{"good", "zhangsan", goodPassword, ""},
		{"good, Chinese characters count as symbols", "zhangsan", "昌宁县Abc2026", ""},
		{"good, no username given", "", "Zhangsan-2026", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := accounts.CheckPolicy("new_password", c.username, c.pw)
			if c.want == "" {
				if err != nil {
					t.Fatalf("CheckPolicy(%q) = %v, want it accepted", c.pw, err)
				}
				return
			}
			wantField(t, "CheckPolicy("+c.pw+")", err, "new_password", c.want)
			if e := errs.As(err); len(e.Fields) != 1 {
				t.Errorf("fields %v, want only new_password", e.Fields)
			}
		})
	}
}

func TestHashPassword(t *testing.T) {
	h, err := accounts.HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id with the OWASP parameters", h)
	}
	if !accounts.CheckPassword(h, goodPassword) {
		t.Error("the password does not match its own hash")
	}
	for _, wrong := range []string{"", "kx7#mq2Lw9", goodPassword + " "} {
		if accounts.CheckPassword(h, wrong) {
			t.Errorf("%q matches the hash of %q", wrong, goodPassword)
		}
	}
	h2, _ := accounts.HashPassword(goodPassword)
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x$c2FsdA$a2V5", "$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5"} {
		if accounts.CheckPassword(bad, "") {
			t.Errorf("malformed hash %q matches", bad)
		}
	}
}
