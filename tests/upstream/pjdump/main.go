// Command pjdump prints, one JSON object per line, the ProwJob upstream Prow's mkpj would print
// for each periodic of a configuration and for each presubmit and postsubmit whose name matches
// -sample (a regular expression), with the refs given by flags, exactly as cmd/mkpj builds them
// (pjutil.PeriodicSpec / PresubmitSpec / PostsubmitSpec, then pjutil.NewProwJob), but loading the
// configuration once. It is a test tool, built by scripts/kube-testenv.sh, never shipped.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"

	prowapi "sigs.k8s.io/prow/pkg/apis/prowjobs/v1"
	"sigs.k8s.io/prow/pkg/config"
	"sigs.k8s.io/prow/pkg/pjutil"
)

func main() {
	configPath := flag.String("config-path", "", "path to config.yaml")
	jobConfigPath := flag.String("job-config-path", "", "path to the job config directory")
	sample := flag.String("sample", "^$", "presubmits and postsubmits whose names match are printed")
	baseRef := flag.String("base-ref", "", "")
	baseSHA := flag.String("base-sha", "", "")
	pullNumber := flag.Int("pull-number", 0, "")
	pullSHA := flag.String("pull-sha", "", "")
	pullAuthor := flag.String("pull-author", "", "")
	flag.Parse()
	c, err := config.Load(*configPath, *jobConfigPath, nil, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	matches := regexp.MustCompile(*sample)
	out := json.NewEncoder(os.Stdout)
	print := func(base config.JobBase, spec prowapi.ProwJobSpec) {
		pj := pjutil.NewProwJob(spec, base.Labels, base.Annotations, pjutil.RequireScheduling(c.Scheduler.Enabled))
		if err := out.Encode(pj); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	for _, p := range c.Periodics {
		print(p.JobBase, pjutil.PeriodicSpec(p))
	}
	// The refs a job of repository fullName runs on, at the base the flags give; false when
	// fullName is not org/repo.
	refsOf := func(fullName string) (prowapi.Refs, bool) {
		org, repo, err := config.SplitRepoName(fullName)
		return prowapi.Refs{Org: org, Repo: repo, BaseRef: *baseRef, BaseSHA: *baseSHA}, err == nil
	}
	for fullName, ps := range c.PresubmitsStatic {
		refs, ok := refsOf(fullName)
		for _, p := range ps {
			if ok && matches.MatchString(p.Name) {
				withPull := refs
				withPull.Pulls = []prowapi.Pull{{Author: *pullAuthor, Number: *pullNumber, SHA: *pullSHA}}
				print(p.JobBase, pjutil.PresubmitSpec(p, withPull))
			}
		}
	}
	for fullName, ps := range c.PostsubmitsStatic {
		refs, ok := refsOf(fullName)
		for _, p := range ps {
			if ok && matches.MatchString(p.Name) {
				print(p.JobBase, pjutil.PostsubmitSpec(p, refs))
			}
		}
	}
}
