;;; emacs_positions.el --- the README's position advice against eglot's own conversion  -*- lexical-binding: t -*-
;; Loaded after the README's Emacs config.  In a buffer of lines holding `é' and an emoji (one
;; Emacs character, two UTF-16 units), converts LSP positions the way eglot does when a publish
;; arrives: runs of positions in document order (as grepls sends them), positions out of order,
;; and edits in between (inserted and deleted lines) that must throw away what the advice
;; remembered.  Each answer is compared with eglot's own function, the advice taken off for the
;; call.  Writes {"installed", "compared", "mismatches": [...]} as JSON to GREPLS_OUT.
(require 'json)
(require 'cl-lib)

(defvar grepls-positions-mismatches nil)
(defvar grepls-positions-compared 0)

(defun grepls-positions--eglot (position &optional marker)
  "What eglot itself answers for POSITION, without the advice."
  (advice-remove 'eglot--lsp-position-to-point #'grepls--lsp-position-to-point)
  (unwind-protect (eglot--lsp-position-to-point position marker)
    (advice-add 'eglot--lsp-position-to-point :override #'grepls--lsp-position-to-point)))

(defun grepls-positions--check (position &optional marker)
  (let ((ours (eglot--lsp-position-to-point position marker))
        (eglot (grepls-positions--eglot position marker)))
    (setq grepls-positions-compared (1+ grepls-positions-compared))
    (unless (and (equal (if (markerp ours) (marker-position ours) ours)
                        (if (markerp eglot) (marker-position eglot) eglot))
                 (eq (markerp ours) (markerp eglot)))
      (push (format "%S (marker %S): advice %S, eglot %S" position marker ours eglot)
            grepls-positions-mismatches))))

(defun grepls-positions--column ()
  "A column on a character's edge: lines are `NNNNN é😀 TODO x', the emoji at units 7 and 8.
\(A column between an emoji's two units is one no server sends, and eglot 1.9 never returns
from it.)"
  (let ((column (random 14)))
    (if (= column 8) 9 column)))

(defun grepls-positions--publish (count lines)
  "COUNT positions among LINES lines, in document order, some past the end."
  (let ((positions (cl-loop repeat count
                            collect (list :line (random (+ lines 3))
                                          :character (grepls-positions--column)))))
    (sort positions (lambda (a b) (< (plist-get a :line) (plist-get b :line))))))

(let ((installed (advice-member-p #'grepls--lsp-position-to-point
                                  'eglot--lsp-position-to-point))
      (lines 3000))
  (random "grepls")
  (with-temp-buffer
    (dotimes (i lines)
      (insert (format "%05d é😀 TODO x\n" i)))
    (insert "a last line without its newline")
    (dotimes (round 40)
      ;; A publish: in document order, sometimes as markers.
      (let* ((publish (grepls-positions--publish 30 lines))
             (last-line (plist-get (car (last publish)) :line)))
        (dolist (position publish)
          (grepls-positions--check position (zerop (random 4))))
        ;; An edit above the last line found -- a line inserted or deleted, or text typed --
        ;; then that line and the next asked for first: what the advice remembered is stale.
        (goto-char (point-min))
        (forward-line (random (max 1 (min last-line lines))))
        (pcase (random 3)
          (0 (insert (format "inserted %d\n" round)))
          (1 (delete-region (point) (line-beginning-position 2)))
          (_ (end-of-line) (insert "typed")))
        (grepls-positions--check (list :line last-line :character (grepls-positions--column)))
        (grepls-positions--check (list :line (1+ last-line) :character 0)))
      ;; Positions out of order.
      (dotimes (_ 5)
        (grepls-positions--check (list :line (random lines)
                                        :character (grepls-positions--column))))))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((installed . ,(if installed t :json-false))
                             (compared . ,grepls-positions-compared)
                             (mismatches . ,(vconcat (seq-take grepls-positions-mismatches 10)))))))))
(kill-emacs 0)
;;; emacs_positions.el ends here
