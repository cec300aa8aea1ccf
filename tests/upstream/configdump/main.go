// Command configdump loads a Prow configuration with upstream Prow's own loader
// (sigs.k8s.io/prow/pkg/config.Load) and prints, as JSON, the job counts and the values of each
// job that this project's differential tests compare: what upstream read from the YAML.
//
// It is a test tool, built by scripts/kube-testenv.sh (`upstream configdump`), never shipped.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"sigs.k8s.io/prow/pkg/config"
)

type job struct {
	Name           string            `json:"name"`
	MaxConcurrency int               `json:"max_concurrency"`
	Hidden         bool              `json:"hidden"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations"`
	Command        []string          `json:"command"`
	Args           []string          `json:"args"`
}

type dump struct {
	Presubmits  int            `json:"presubmits"`
	Postsubmits int            `json:"postsubmits"`
	Periodics   int            `json:"periodics"`
	Jobs        map[string]job `json:"jobs"`
}

func project(base config.JobBase) job {
	j := job{
		Name:           base.Name,
		MaxConcurrency: base.MaxConcurrency,
		Hidden:         base.Hidden,
		Labels:         base.Labels,
		Annotations:    base.Annotations,
	}
	if base.Spec != nil && len(base.Spec.Containers) > 0 {
		j.Command = base.Spec.Containers[0].Command
		j.Args = base.Spec.Containers[0].Args
	}
	return j
}

func main() {
	configPath := flag.String("config-path", "", "path to config.yaml")
	jobConfigPath := flag.String("job-config-path", "", "path to the job config file or directory")
	flag.Parse()
	c, err := config.Load(*configPath, *jobConfigPath, nil, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := dump{Jobs: map[string]job{}}
	for repo, jobs := range c.PresubmitsStatic {
		for i, j := range jobs {
			out.Presubmits++
			out.Jobs[fmt.Sprintf("presubmit:%s:%d", repo, i)] = project(j.JobBase)
		}
	}
	for repo, jobs := range c.PostsubmitsStatic {
		for i, j := range jobs {
			out.Postsubmits++
			out.Jobs[fmt.Sprintf("postsubmit:%s:%d", repo, i)] = project(j.JobBase)
		}
	}
	for i, j := range c.Periodics {
		out.Periodics++
		out.Jobs[fmt.Sprintf("periodic:%d", i)] = project(j.JobBase)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
