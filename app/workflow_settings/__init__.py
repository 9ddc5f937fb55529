"""The office's switches on the approval chain (审批流程设置), e.g. whether a city acceptance needs its approval."""
