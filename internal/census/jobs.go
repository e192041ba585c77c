package census

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/errs"
)

// Jobs runs imports in the background for pages that show their progress
// (polling, or server-sent events): Start returns at once, Status tells
// how far a job is and, once done, its Result and the id of its stored
// report (see OpenReport). Jobs live in this process's memory for
// JobTTL after they end. It is safe for concurrent use.
type Jobs struct {
	s    *Service
	mu   sync.Mutex
	jobs map[string]*job
}

// JobTTL is how long a finished job's status is kept.
const JobTTL = time.Hour

// JobStatus is what a job's owner may know of it.
type JobStatus struct {
	ID       string    `json:"id"`
	Kind     Kind      `json:"kind"`
	DryRun   bool      `json:"dry_run"`
	Progress Progress  `json:"progress"`
	Done     bool      `json:"done"`
	Result   *Result   `json:"result,omitempty"`
	ReportID string    `json:"report_id,omitempty"`
	Error    string    `json:"error,omitempty"` // a file that could not be read, in Chinese
	Started  time.Time `json:"started"`
}

type job struct {
	userID string
	mu     sync.Mutex
	st     JobStatus
	ended  time.Time
}

// NewJobs returns a job runner over s.
func (s *Service) NewJobs() *Jobs { return &Jobs{s: s, jobs: map[string]*job{}} }

// Start imports the file at path for v in the background (the job owns
// the file and removes it when done) and returns the job's id. The import
// runs under ctx's values but not its cancellation, so that it outlives
// the request that started it.
func (j *Jobs) Start(ctx context.Context, v access.Viewer, k Kind, path string, opt Options) string {
	id := uuid.Must(uuid.NewV7()).String()
	jb := &job{userID: v.UserID, st: JobStatus{ID: id, Kind: k, DryRun: opt.DryRun, Started: time.Now()}}
	j.mu.Lock()
	for key, old := range j.jobs {
		old.mu.Lock()
		expired := !old.ended.IsZero() && time.Since(old.ended) > JobTTL
		old.mu.Unlock()
		if expired {
			delete(j.jobs, key)
		}
	}
	j.jobs[id] = jb
	j.mu.Unlock()
	user := opt.Progress
	opt.Progress = func(p Progress) {
		jb.mu.Lock()
		jb.st.Progress = p
		jb.mu.Unlock()
		if user != nil {
			user(p)
		}
	}
	go func() {
		defer os.Remove(path)
		ctx := context.WithoutCancel(ctx)
		res, err := j.s.Import(ctx, v, k, path, opt)
		var report string
		if err == nil {
			report, err = j.s.SaveReport(ctx, v, path, res)
		}
		jb.mu.Lock()
		defer jb.mu.Unlock()
		jb.st.Done, jb.st.Result, jb.st.ReportID, jb.ended = true, res, report, time.Now()
		if err != nil {
			jb.st.Error = errs.As(err).Message
		}
	}()
	return id
}

// Status returns the status of a job to the viewer who started it; anyone
// else, and an unknown or expired job, get errs.NotFound.
func (j *Jobs) Status(v access.Viewer, id string) (JobStatus, error) {
	j.mu.Lock()
	jb, ok := j.jobs[id]
	j.mu.Unlock()
	if !ok || jb.userID != v.UserID {
		return JobStatus{}, errs.New(errs.NotFound, "未找到该导入任务")
	}
	jb.mu.Lock()
	defer jb.mu.Unlock()
	return jb.st, nil
}
