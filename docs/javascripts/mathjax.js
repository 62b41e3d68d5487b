// MathJax 3 configuration, loaded before MathJax itself (mkdocs.yml extra_javascript).
// Math comes from two places: pymdownx.arithmatex (pages and mkdocstrings docstrings), which
// wraps it in \( \) / \[ \] inside elements of class "arithmatex", and the tutorial notebooks
// (mkdocs-jupyter), whose markdown cells keep $...$ and $$...$$ inside "jp-RenderedMarkdown".
// Everything else (code blocks included) is left alone.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown|mathjax-process"
  }
};

// With ignoreHtmlClass ".*|", MathJax skips every element whose class does not match
// processHtmlClass, the <p> inside a notebook's markdown cell included: mark those.
function markNotebookMath() {
  document.querySelectorAll(".jp-RenderedMarkdown *").forEach(e => e.classList.add("mathjax-process"))
}
markNotebookMath()

document$.subscribe(() => {
  markNotebookMath()
  if (!window.MathJax.typesetPromise) return;  // first load: MathJax typesets on its own
  MathJax.startup.output.clearCache()
  MathJax.typesetClear()
  MathJax.texReset()
  MathJax.typesetPromise()
})
