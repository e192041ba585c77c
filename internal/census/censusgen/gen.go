// Package censusgen writes synthetic census files for tests and
// benchmarks: valid ID numbers for real village codes, a share of bad rows
// and of duplicate ID numbers, reproducible from a seed.
package censusgen

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"guanai/internal/idcard"
	"guanai/internal/storage"
)

// Place is a village with the names of its county and township.
type Place struct {
	Code, County, Township, Village string
}

// Villages returns the villages under the region code prefix (e.g. "53"
// for Yunnan) with their county and township names, ordered by code.
func Villages(ctx context.Context, db *storage.DB, prefix string) ([]Place, error) {
	lo := prefix + "000000000000"[len(prefix):]
	hi := fmt.Sprintf("%0*d", len(prefix), mustAtoi(prefix)+1) + "000000000000"[len(prefix):]
	rows, err := db.Reader().QueryContext(ctx, `SELECT v.code, v.name, t.name, c.name FROM regions v
		JOIN regions t ON t.code = v.parent_code JOIN regions c ON c.code = t.parent_code
		WHERE v.level = 5 AND t.level = 4 AND c.level = 3 AND v.code >= ? AND v.code < ? ORDER BY v.code`, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Place
	for rows.Next() {
		var p Place
		if err := rows.Scan(&p.Code, &p.Village, &p.Township, &p.County); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// Header is the header of the files Children writes (the template's
// column names).
var Header = []string{"身份证号码", "姓名", "性别", "出生日期", "民族", "户籍类型", "县（市、区）", "乡（镇、街道）", "村（社区）", "村（社区）代码",
	"父亲情况", "父亲外出地点", "父亲电话", "母亲情况", "母亲外出地点", "母亲电话", "监护人姓名", "与儿童关系", "监护人电话", "流动儿童", "备注"}

// Spec says what to generate.
type Spec struct {
	Rows    int
	Seed    uint64
	BadRate float64 // share of rows with one bad value (e.g. 0.005)
	DupRate float64 // share of rows repeating an earlier ID number (e.g. 0.001)
	Today   time.Time
}

// Stats says what was generated.
type Stats struct {
	Rows, Bad, Dup int
}

var (
	surnames = []rune("李王张杨赵刘陈段字罗尹杞普何鲁施者番岩玉")
	given    = []rune("小明芳华丽强伟娟秀英文武春梅兰国建志玉金红光荣海")
	ethnic   = []string{"汉族", "汉族", "汉族", "彝族", "白族", "哈尼族", "傣族", "壮族", "苗族", "傈僳族"}
	status   = []string{"外出务工", "外出务工", "外出务工", "在家", "已故", "无监护能力", "不详"}
)

// Children writes a CSV file of children to w: rows spread over places,
// valid but for the bad and duplicate shares.
func Children(w io.Writer, places []Place, spec Spec) (Stats, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	if err := cw.Write(Header); err != nil {
		return Stats{}, err
	}
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
	used := make(map[string]bool, spec.Rows)
	var ids []string
	var st Stats
	today := spec.Today
	rec := make([]string, len(Header))
	for i := 0; i < spec.Rows; i++ {
		p := places[rng.IntN(len(places))]
		var id, sex string
		var birth time.Time
		for {
			birth = today.AddDate(0, 0, -(365 + rng.IntN(365*14)))
			sex = []string{"M", "F"}[rng.IntN(2)]
			id = idcard.Generate(p.Code[:6], birth, rng.IntN(500), sex)
			if !used[id] {
				break
			}
		}
		used[id] = true
		r := rng.Float64()
		dup := r < spec.DupRate && len(ids) > 0
		bad := !dup && r < spec.DupRate+spec.BadRate
		if dup {
			id = ids[rng.IntN(len(ids))]
			st.Dup++
			// Keep the row valid but for the duplicate: birth and sex of
			// the repeated number.
			birth, _ = time.Parse("20060102", id[6:14])
			sex = "F"
			if (id[16]-'0')%2 == 1 {
				sex = "M"
			}
		}
		if len(ids) < 100000 {
			ids = append(ids, id)
		}
		sexLabel := "男"
		if sex == "F" {
			sexLabel = "女"
		}
		father, mother := status[rng.IntN(len(status))], status[rng.IntN(len(status))]
		place := func(s string) string {
			if s == "外出务工" {
				return "广东省东莞市"
			}
			return ""
		}
		rec[0], rec[1], rec[2], rec[3] = id, string(surnames[rng.IntN(len(surnames))])+string(given[rng.IntN(len(given))])+string(given[rng.IntN(len(given))]),
			sexLabel, birth.Format("2006-01-02")
		rec[4], rec[5] = ethnic[rng.IntN(len(ethnic))], "农村"
		rec[6], rec[7], rec[8], rec[9] = p.County, p.Township, p.Village, p.Code
		rec[10], rec[11], rec[12] = father, place(father), "138"+fmt.Sprintf("%08d", rng.IntN(100000000))
		rec[13], rec[14], rec[15] = mother, place(mother), ""
		rec[16], rec[17], rec[18] = "李奶奶", "祖母", "0875-"+fmt.Sprintf("%07d", 2000000+rng.IntN(7000000))
		rec[19], rec[20] = "否", ""
		if bad {
			st.Bad++
			switch rng.IntN(6) {
			case 0:
				rec[0] = id[:17] + string("0123456789X"[(int(id[17]-'0')+1)%10])
			case 1:
				rec[2] = "未知"
			case 2:
				rec[3] = "2015-02-30"
			case 3:
				rec[4] = "火星族"
			case 4:
				rec[1] = ""
			case 5:
				rec[10] = "出国"
			}
		}
		if err := cw.Write(rec); err != nil {
			return st, err
		}
		st.Rows++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return st, err
	}
	return st, bw.Flush()
}
