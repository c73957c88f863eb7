package js

func init() {
	register("scheduler", []string{"scheduler"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			"schedule": iso.schedule,
			"clear":    func(id int) { iso.loop.clearTimer(id) },
		}
	})
}
