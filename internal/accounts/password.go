package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"

	"guanai/internal/errs"
)

// argon2id parameters (OWASP's minimum profile: 19 MiB, 2 passes).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// argonSlots bounds how many argon2id computations run at once: each
// takes 19 MiB, so a burst of logins queues for a core instead of growing
// the server by 19 MiB a login (they are CPU-bound; more at once than
// cores would not finish sooner).
var argonSlots = make(chan struct{}, max(1, runtime.NumCPU()))

func idKey(pw, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	return argon2.IDKey(pw, salt, t, m, p, n)
}

// HashPassword returns the argon2id hash of pw in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := idKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC-encoded argon2id hash.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := idKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a username does not exist, so that a
// failed login takes as long whether or not the user exists.
var dummyHash, _ = HashPassword("guanai-no-such-user")

// CheckPolicy checks a new password against the 等保 profile: at least 8
// characters, at least 3 of the 4 classes (upper, lower, digit, symbol),
// not containing the username, not a common password. The error names the
// rule broken, on field.
func CheckPolicy(field, username, pw string) error {
	fe := errs.FieldErrors{}
	n := len([]rune(pw))
	var upper, lower, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, other} {
		if b {
			classes++
		}
	}
	lowerPw := strings.ToLower(pw)
	switch {
	case n < 8:
		fe.Addf(field, "密码至少需要8个字符，当前为%d个", n)
	case n > 128:
		fe.Add(field, "密码不能超过128个字符")
	case classes < 3:
		fe.Add(field, "密码须包含大写字母、小写字母、数字、特殊符号中的至少3类")
	case username != "" && strings.Contains(lowerPw, strings.ToLower(username)):
		fe.Add(field, "密码不能包含用户名")
	case isCommon(lowerPw):
		fe.Add(field, "密码过于常见，容易被猜中，请换一个")
	}
	return fe.Err()
}

func isCommon(lowerPw string) bool {
	if commonPasswords[lowerPw] {
		return true
	}
	// A few letters dressed around a common digit run ("Abc123456!",
	// "Qq123456!", "A123456789!").
	var letters, digits []rune
	for _, r := range lowerPw {
		switch {
		case unicode.IsLetter(r):
			letters = append(letters, r)
		case unicode.IsDigit(r):
			digits = append(digits, r)
		}
	}
	if len(letters) <= 3 && commonPasswords[string(digits)] {
		return true
	}
	// Common words with a digit or symbol tacked on ("Password1!", "Qwerty123").
	core := strings.TrimRightFunc(lowerPw, func(r rune) bool { return !unicode.IsLetter(r) })
	core = strings.TrimLeftFunc(core, func(r rune) bool { return !unicode.IsLetter(r) })
	return len(core) >= 4 && commonPasswords[core]
}

// commonPasswords holds widely leaked passwords and words they are built
// on, lower-cased (the ones Chinese users favour included).
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
123456 123456789 12345678 12345 1234567 1234567890 111111 000000 123123 666666 888888 654321 112233 121212 123321
5201314 1314520 520520 woaini woaini1314 woaini520 iloveyou aini1314 a123456 a123456789 a12345678 aa123456 abc123 abc123456
abcd1234 qwerty qwerty123 qwertyuiop asdfgh asdfghjkl zxcvbnm 1qaz2wsx 1q2w3e4r 1q2w3e4r5t qazwsx password password1
passw0rd p@ssw0rd p@ssword admin admin123 admin888 administrator root root123 test test123 guest welcome welcome1 login
letmein monkey dragon master sunshine princess football baseball shadow superman batman trustno1 hello hello123 whatever
freedom starwars zaq12wsx 7758521 7758258 147258369 159357 159753 987654321 11111111 88888888 66666666 123qwe qwe123
1qaz@wsx !qaz2wsx 1qaz!qaz 2wsx3edc qweasdzxc qweasd asd123 zxc123 wang123 zhang123 li123456 liu123 chen123 yang123 huang123 zhao123 woaiwojia
guanai guanai123 liushou children china beijing shanghai yunnan kunming computer internet changeme secret default
system sysadmin security auditor teacher student school love lovely baby angel summer winter spring autumn
`) {
		m[p] = true
	}
	return m
}()
