// MathJax 3 for pymdownx.arithmatex (generic mode; Markdown pages and docstrings) and
// for the tutorial notebooks rendered by mkdocs-jupyter, whose Markdown cells keep
// their $...$ / $$...$$ math as text inside .jupyter-wrapper. Everything else on a
// page is left alone; <code> and <pre> are never typeset.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex|jupyter-wrapper",
  },
};

document$.subscribe(() => {
  MathJax.startup.output.clearCache();
  MathJax.typesetClear();
  MathJax.texReset();
  MathJax.typesetPromise();
});
