/* The reviewer admin's small script, loaded on every admin page (factcheck/templates/admin/base_site.html); each part
   acts only where its markup is, and every page works without it.

   - An article's page (ArticleAdmin.body_text): selecting a sentence of the text offers "New claim from this
     sentence", the add form with the sentence as the quote (and the article and its language, already in the link).
   - A claim's page (claim/change_form.html): "Cite" puts one of the article's links in an empty evidence row. */
'use strict';
{
    function newClaimFromSentence(box) {
        const text = box.nextElementSibling;
        if (!text || !text.classList.contains('fc-article-text')) {
            return;
        }
        const max = parseInt(box.dataset.max, 10);
        const button = document.createElement('a');
        button.className = 'button fc-sentence-button';
        button.hidden = true;
        text.appendChild(button);

        function selected() {
            const selection = window.getSelection();
            if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
                return null;
            }
            const range = selection.getRangeAt(0);
            if (!text.contains(range.commonAncestorContainer) || button.contains(range.commonAncestorContainer)) {
                return null;
            }
            const quote = selection.toString().replace(/\s+/g, ' ').trim();
            return quote ? {quote, range} : null;
        }

        function update() {
            const found = selected();
            if (!found) {
                button.hidden = true;
                return;
            }
            const tooLong = found.quote.length > max;
            button.textContent = tooLong ? box.dataset.tooLong : box.dataset.label;
            button.classList.toggle('fc-disabled', tooLong);
            if (tooLong) {
                button.removeAttribute('href');
            } else {
                button.href = box.dataset.url + '&quote=' + encodeURIComponent(found.quote);
            }
            // Just under the selection's last line, inside the text's box.
            const rects = found.range.getClientRects();
            const last = rects[rects.length - 1] || found.range.getBoundingClientRect();
            const frame = text.getBoundingClientRect();
            button.hidden = false;
            const left = Math.max(0, Math.min(last.left - frame.left, frame.width - button.offsetWidth));
            button.style.left = left + 'px';
            button.style.top = (last.bottom - frame.top + text.scrollTop + 4) + 'px';
        }

        document.addEventListener('selectionchange', update);
    }

    function citeButtons(panel) {
        const group = document.getElementById('evidence-group');
        if (!group) {
            return;
        }
        function emptyRow() {
            const inputs = group.querySelectorAll('tr.form-row:not(.empty-form):not(.has_original) input[name$="-url"]');
            for (const input of inputs) {
                if (!input.value) {
                    return input;
                }
            }
            const add = group.querySelector('.add-row a');
            if (!add) {
                return null;
            }
            add.click();  // Django's inlines.js adds a row from the empty form
            const rows = group.querySelectorAll('tr.form-row:not(.empty-form) input[name$="-url"]');
            return rows[rows.length - 1] || null;
        }
        for (const button of panel.querySelectorAll('.fc-cite')) {
            button.hidden = false;
            button.addEventListener('click', function() {
                const input = emptyRow();
                if (!input) {
                    return;
                }
                input.value = button.dataset.url;
                input.dispatchEvent(new Event('change', {bubbles: true}));
                button.disabled = true;
                button.textContent = button.dataset.done;
                const row = input.closest('tr');
                const excerpt = row && row.querySelector('textarea[name$="-excerpt"]');
                (excerpt || input).focus();
            });
        }
    }

    function init() {
        document.querySelectorAll('.fc-new-claim[data-url]').forEach(newClaimFromSentence);
        document.querySelectorAll('#fc-candidates').forEach(citeButtons);
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', init);
    } else {
        init();
    }
}
