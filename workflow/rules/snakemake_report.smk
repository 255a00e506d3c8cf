# Snakemake's own report (`snakemake --report report.html`): the workflow's description here;
# each stage marks its figures and key tables with report() and a caption in workflow/report/.


report: "../report/workflow.rst"
